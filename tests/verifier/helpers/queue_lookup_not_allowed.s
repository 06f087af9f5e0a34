; type: socket_filter
; maps: q queue 0 8 16
; expect: reject 5 HelperArgument
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    r0 = 0
    exit
