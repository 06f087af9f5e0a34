; type: socket_filter
; expect: reject 1 InvalidContextAccess
    r1 += 4
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit
