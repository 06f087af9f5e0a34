; type: socket_filter
; expect: accept
    *(u8 *)(r10 - 3) = 1
    r0 = *(u8 *)(r10 - 3)
    exit
