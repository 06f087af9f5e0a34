; type: socket_filter
; expect: accept
    r2 = 5
    *(u64 *)(r10 - 8) = r2
    r0 = *(u64 *)(r10 - 8)
    exit
