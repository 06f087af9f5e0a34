; type: socket_filter
; expect: accept
    r6 = 1
    r9 = 2
    call 7
    r0 = r6
    r0 += r9
    exit
