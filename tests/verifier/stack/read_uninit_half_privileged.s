; type: socket_filter
; expect: accept
    *(u32 *)(r10 - 8) = 1
    r0 = *(u64 *)(r10 - 8)
    exit
