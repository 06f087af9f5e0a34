; type: socket_filter
; expect: reject 4 InvalidContextAccess
    r6 = r1
    call 7
    r0 &= 4
    r6 += r0
    r2 = *(u32 *)(r6 + 0)
    r0 = 0
    exit
