; type: xdp
; expect: accept
    r2 = *(u32 *)(r1 + 16)
    r0 = 2
    exit
