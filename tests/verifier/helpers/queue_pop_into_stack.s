; note: pop fills uninitialised memory
; type: socket_filter
; maps: q queue 0 8 16
; expect: accept
    ld_pseudo r1, 5, 0
    r2 = r10
    r2 += -8
    call 88
    r0 = *(u64 *)(r10 - 8)
    exit
