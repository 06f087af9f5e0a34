; note: -4 is not 8-byte aligned; the kernel always enforces stack alignment
; type: socket_filter
; expect: reject 0 InvalidMemoryAccess
    *(u64 *)(r10 - 4) = 1
    r0 = 0
    exit
