; type: socket_filter
; expect: reject 4 InvalidMemoryAccess
    *(u64 *)(r10 - 8) = r1
    r2 = 5
    *(u64 *)(r10 - 8) = r2
    r6 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r6 + 0)
    exit
