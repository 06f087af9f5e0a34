; type: socket_filter
; expect: reject 1 InvalidMemoryAccess
    call 5
    r1 = *(u64 *)(r0 + 0)
    r0 = 0
    exit
