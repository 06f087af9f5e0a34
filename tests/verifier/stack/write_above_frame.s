; type: socket_filter
; expect: reject 0 OutOfBoundsAccess
    *(u32 *)(r10 + 8) = 1
    r0 = 0
    exit
