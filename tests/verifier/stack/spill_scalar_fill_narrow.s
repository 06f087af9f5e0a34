; type: socket_filter
; expect: accept
    r1 = 0x12345678
    *(u64 *)(r10 - 8) = r1
    r0 = *(u32 *)(r10 - 8)
    exit
