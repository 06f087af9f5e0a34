; type: socket_filter
; expect: accept
    r2 = *(u8 *)(r1 + 0)
    r0 = 0
    exit
