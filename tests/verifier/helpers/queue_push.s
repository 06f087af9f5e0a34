; type: socket_filter
; maps: q queue 0 8 16
; expect: accept
    *(u64 *)(r10 - 8) = 5
    ld_pseudo r1, 5, 0
    r2 = r10
    r2 += -8
    r3 = 0
    call 87
    r0 = 0
    exit
