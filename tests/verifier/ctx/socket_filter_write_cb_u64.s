; type: socket_filter
; expect: accept
    r2 = 1
    *(u64 *)(r1 + 56) = r2
    r0 = 0
    exit
