; type: socket_filter
; expect: accept
    *(u64 *)(r10 - 8) = r1
    r6 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r6 + 0)
    exit
