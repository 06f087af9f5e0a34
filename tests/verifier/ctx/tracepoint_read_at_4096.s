; type: tracepoint
; expect: accept
    r2 = *(u64 *)(r1 + 4096)
    r0 = 0
    exit
