; type: raw_tracepoint
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 96)
    r0 = 0
    exit
