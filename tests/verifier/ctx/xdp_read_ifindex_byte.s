; type: xdp
; expect: reject 0 InvalidContextAccess
    r2 = *(u8 *)(r1 + 12)
    r0 = 2
    exit
