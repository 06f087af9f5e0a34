; type: socket_filter
; expect: accept
    r2 = *(u16 *)(r1 + 10)
    r0 = 0
    exit
