; type: xdp
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 - 4)
    r0 = 2
    exit
