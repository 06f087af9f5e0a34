; type: socket_filter
; maps: events perf_event_array 4 4 4
; expect: accept
    *(u64 *)(r10 - 8) = 1
    ld_pseudo r2, 5, 0
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -8
    r5 = 8
    call 25
    r0 = 0
    exit
