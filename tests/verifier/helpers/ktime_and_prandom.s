; type: socket_filter
; expect: accept
    call 5
    r6 = r0
    call 7
    r0 += r6
    exit
