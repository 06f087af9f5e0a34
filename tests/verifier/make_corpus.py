#!/usr/bin/env python3
"""Writes the verifier corpus (tests/verifier/<group>/<name>.s) from the case list below.

Each case is a real program with the verdict Linux's verifier gives it and the reason. In a body, the line the
verifier must reject is marked with a trailing `!!`; the slot index (lddw / ld_pseudo count as two slots) is computed
here. Run: python3 tests/verifier/make_corpus.py (rewrites every group directory it owns)."""
import os, re, shutil, sys

ROOT = os.path.dirname(os.path.abspath(__file__))
CASES = []

def case(group, name, body, expect="accept", type="socket_filter", maps="", privileged=True, kernel=True, note=""):
    CASES.append(dict(group=group, name=name, body=body, expect=expect, type=type, maps=maps,
                      privileged=privileged, kernel=kernel, note=note))

def slots(line):
    s = line.strip()
    return 2 if s.startswith("ld_pseudo") or re.search(r"\bll$", s) else 1

def render(c):
    lines, out, idx, target = [l.rstrip() for l in c["body"].strip("\n").split("\n")], [], 0, None
    for l in lines:
        s = l.strip()
        if not s or s.startswith(";") or re.fullmatch(r"[A-Za-z_][\w.]*:", s):
            out.append(s); continue
        if s.endswith("!!"):
            s = s[:-2].rstrip(); target = idx
        out.append("    " + s if not s.endswith(":") else s)
        idx += slots(s)
    head = [f"; note: {c['note']}"] if c["note"] else []
    head.append(f"; type: {c['type']}")
    for m in [m for m in c["maps"].split(";") if m.strip()]:
        head.append(f"; maps: {m.strip()}")
    if not c["privileged"]: head.append("; privileged: false")
    if not c["kernel"]: head.append("; kernel: skip")
    e = c["expect"]
    if e == "accept":
        head.append("; expect: accept")
    else:
        kind, reason = e if isinstance(e, tuple) else (e, None)
        at = "*" if target is None else str(target)
        head.append(f"; expect: reject {at} {kind}" + (f' "{reason}"' if reason else ""))
    return "\n".join(head + out) + "\n"

# ---------------------------------------------------------------- shared snippets
LOOKUP = """
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
ld_pseudo r1, 5, 0
call 1
"""
ARR = "vals array 4 16 4"
HASH = "counts hash 4 8 16"

exec(open(os.path.join(ROOT, "corpus_cases.py")).read())

def main():
    groups = sorted({c["group"] for c in CASES})
    for g in groups:
        d = os.path.join(ROOT, g)
        if os.path.isdir(d): shutil.rmtree(d)
        os.makedirs(d)
    seen = set()
    for c in CASES:
        key = (c["group"], c["name"])
        if key in seen: sys.exit(f"duplicate case {key}")
        seen.add(key)
        with open(os.path.join(ROOT, c["group"], c["name"] + ".s"), "w") as f:
            f.write(render(c))
    acc = sum(1 for c in CASES if c["expect"] == "accept")
    print(f"{len(CASES)} cases ({acc} accept, {len(CASES) - acc} reject) in {len(groups)} groups")

main()
