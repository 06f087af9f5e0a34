; type: perf_event
; expect: accept
    r2 = *(u32 *)(r1 + 176)
    r0 = 0
    exit
