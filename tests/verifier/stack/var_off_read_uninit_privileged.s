; type: socket_filter
; expect: accept
    call 7
    r0 &= 7
    r2 = r10
    r2 += -16
    r2 += r0
    r0 = *(u8 *)(r2 + 0)
    exit
