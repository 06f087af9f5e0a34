; type: tracepoint
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 8192)
    r0 = 0
    exit
