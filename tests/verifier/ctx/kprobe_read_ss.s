; type: kprobe
; expect: accept
    r2 = *(u64 *)(r1 + 160)
    r0 = 0
    exit
