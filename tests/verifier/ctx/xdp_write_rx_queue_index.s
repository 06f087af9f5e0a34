; type: xdp
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u32 *)(r1 + 16) = r2
    r0 = 2
    exit
