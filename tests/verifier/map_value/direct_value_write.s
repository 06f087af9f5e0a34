; type: socket_filter
; maps: glob array 4 16 1
; expect: accept
    ld_pseudo r1, 6, 0
    *(u32 *)(r1 + 4) = 9
    r0 = 0
    exit
