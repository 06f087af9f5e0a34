; type: socket_filter
; expect: accept
    *(u64 *)(r10 - 512) = 3
    r0 = *(u64 *)(r10 - 512)
    exit
