; type: socket_filter
; maps: counts hash 4 8 16
; expect: reject 7 HelperArgument
    *(u64 *)(r10 - 8) = 1
    ld_pseudo r1, 5, 0
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call 130
    r0 = 0
    exit
