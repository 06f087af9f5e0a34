; type: socket_filter
; expect: reject 0 InvalidContextAccess
    r2 = *(u8 *)(r1 + 181)
    r0 = 0
    exit
