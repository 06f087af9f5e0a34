; type: socket_filter
; expect: reject 4 HelperArgument
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = 0
    call 1
    r0 = 0
    exit
