; type: perf_event
; expect: accept
    r2 = *(u64 *)(r1 + 128)
    r0 = 0
    exit
