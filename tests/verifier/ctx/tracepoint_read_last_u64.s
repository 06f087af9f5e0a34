; type: tracepoint
; expect: accept
    r2 = *(u64 *)(r1 + 8184)
    r0 = 0
    exit
