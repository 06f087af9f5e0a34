; type: xdp
; expect: accept
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r1 = r2
    r3 = r2
    r2 = 14
    r4 = 14
    r5 = 0
    call 28
    r0 = 2
    exit
out:
    r0 = 2
    exit
