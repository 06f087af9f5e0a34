; type: socket_filter
; expect: reject 2 InvalidMemoryAccess
    *(u64 *)(r10 - 16) = 1
    *(u64 *)(r10 - 8) = 1
    r0 = *(u64 *)(r10 - 12)
    exit
