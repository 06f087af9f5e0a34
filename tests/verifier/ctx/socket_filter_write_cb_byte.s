; type: socket_filter
; expect: accept
    r2 = 1
    *(u8 *)(r1 + 67) = r2
    r0 = 0
    exit
