; type: raw_tracepoint
; expect: accept
    r2 = *(u32 *)(r1 + 8)
    r0 = 0
    exit
