; type: socket_filter
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 144)
    r0 = 0
    exit
