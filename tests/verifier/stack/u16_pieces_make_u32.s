; type: socket_filter
; expect: accept
    *(u16 *)(r10 - 4) = 1
    *(u16 *)(r10 - 2) = 2
    r0 = *(u32 *)(r10 - 4)
    exit
