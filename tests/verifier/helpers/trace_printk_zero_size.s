; type: socket_filter
; expect: reject 4 HelperArgument
    *(u32 *)(r10 - 4) = 0x0a6968
    r1 = r10
    r1 += -4
    r2 = 0
    call 6
    r0 = 0
    exit
