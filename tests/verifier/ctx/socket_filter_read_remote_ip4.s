; type: socket_filter
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 92)
    r0 = 0
    exit
