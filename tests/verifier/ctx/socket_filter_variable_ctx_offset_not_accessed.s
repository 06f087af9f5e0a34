; type: socket_filter
; expect: accept
    r6 = r1
    call 7
    r0 &= 4
    r6 += r0
    r0 = 0
    r0 = 0
    exit
