; type: xdp
; expect: accept
    *(u32 *)(r10 - 4) = 1
    *(u32 *)(r10 - 8) = 2
    r1 = r10
    r1 += -4
    r2 = 4
    r3 = r10
    r3 += -8
    r4 = 4
    r5 = 0
    call 28
    r0 = 2
    exit
