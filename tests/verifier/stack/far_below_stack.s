; type: socket_filter
; expect: reject 0 OutOfBoundsAccess
    *(u64 *)(r10 - 1024) = 3
    r0 = 0
    exit
