; type: socket_filter
; expect: accept
    *(u64 *)(r10 - 8) = 1
    r1 = 2
    lock *(u64 *)(r10 - 8) += r1
    r0 = *(u64 *)(r10 - 8)
    exit
