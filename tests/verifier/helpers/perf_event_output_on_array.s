; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 8 HelperArgument
    *(u64 *)(r10 - 8) = 1
    ld_pseudo r2, 5, 0
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -8
    r5 = 8
    call 25
    r0 = 0
    exit
