; type: perf_event
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 128)
    r0 = 0
    exit
