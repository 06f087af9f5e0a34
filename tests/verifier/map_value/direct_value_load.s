; type: socket_filter
; maps: glob array 4 16 1
; expect: accept
    ld_pseudo r1, 6, 0
    r0 = *(u64 *)(r1 + 8)
    exit
