; type: socket_filter
; expect: accept
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = 0
    call 113
    r0 = *(u64 *)(r10 - 8)
    exit
