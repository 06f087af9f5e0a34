; type: socket_filter
; expect: accept
    call 7
    r0 &= 7
    r2 = r10
    r2 += -16
    r2 += r0
    r3 = 1
    *(u8 *)(r2 + 0) = r3
    r0 = *(u64 *)(r10 - 16)
    exit
