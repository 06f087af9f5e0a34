; type: socket_filter
; expect: reject 0 OutOfBoundsAccess
    *(u8 *)(r10 - 513) = 3
    r0 = 0
    exit
