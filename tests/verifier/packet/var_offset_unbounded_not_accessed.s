; type: xdp
; expect: accept
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = *(u32 *)(r2 + 0)
    r2 += r5
    r0 = 2
out:
    r0 = 2
    exit
