; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: accept
    *(u64 *)(r10 - 8) = 1
    ld_pseudo r1, 5, 0
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call 130
    r0 = 0
    exit
