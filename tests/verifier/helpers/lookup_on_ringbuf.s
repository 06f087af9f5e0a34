; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: reject 6 HelperArgument
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    r0 = 0
    exit
