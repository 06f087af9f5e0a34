; type: socket_filter
; expect: accept
    r2 = *(u32 *)(r1 + 48)
    r0 = 0
    exit
