; type: socket_filter
; maps: counts hash 4 8 16
; expect: accept
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 3
    r0 = 0
    exit
