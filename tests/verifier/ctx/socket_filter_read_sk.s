; type: socket_filter
; expect: accept
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    exit
