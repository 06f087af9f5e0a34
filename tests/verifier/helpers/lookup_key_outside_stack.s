; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 5 HelperArgument
    *(u16 *)(r10 - 2) = 0
    r2 = r10
    r2 += -2
    ld_pseudo r1, 5, 0
    call 1
    r0 = 0
    exit
