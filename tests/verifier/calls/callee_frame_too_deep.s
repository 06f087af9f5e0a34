; type: socket_filter
; expect: reject 4 OutOfBoundsAccess
    *(u64 *)(r10 - 8) = 1
    call f
    r0 = 0
    exit
f:
    *(u64 *)(r10 - 520) = 2
    r0 = 0
    exit
