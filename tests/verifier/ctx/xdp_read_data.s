; type: xdp
; expect: accept
    r2 = *(u32 *)(r1 + 0)
    r0 = 2
    exit
