; type: socket_filter
; maps: glob array 4 16 1
; expect: reject 2 OutOfBoundsAccess
    ld_pseudo r1, 6, 0
    r0 = *(u64 *)(r1 + 16)
    exit
