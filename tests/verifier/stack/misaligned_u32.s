; type: socket_filter
; expect: reject 0 InvalidMemoryAccess
    *(u32 *)(r10 - 6) = 1
    r0 = 0
    exit
