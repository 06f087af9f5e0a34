; type: socket_filter
; expect: reject 1 OutOfBoundsAccess
    r2 = 1
    *(u64 *)(r10 + 0) = r2
    r0 = 0
    exit
