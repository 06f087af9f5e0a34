; type: socket_filter
; expect: reject 2 OutOfBoundsAccess
    r2 = r10
    r2 += 8
    *(u64 *)(r2 - 8) = 1
    r0 = 0
    exit
