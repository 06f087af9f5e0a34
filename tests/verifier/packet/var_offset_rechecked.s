; type: xdp
; expect: accept
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r5 &= 7
    r2 += r5
    r6 = r2
    r6 += 1
    if r6 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit
