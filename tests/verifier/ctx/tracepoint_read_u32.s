; type: tracepoint
; expect: accept
    r2 = *(u32 *)(r1 + 12)
    r0 = 0
    exit
