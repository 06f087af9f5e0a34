; type: perf_event
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 184)
    r0 = 0
    exit
