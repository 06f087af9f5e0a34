; type: xdp
; expect: reject 10 HelperArgument
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r1 = r2
    r3 = r2
    r2 = 15
    r4 = 4
    r5 = 0
    call 28
out:
    r0 = 2
    exit
