; type: socket_filter
; expect: accept
    call 7
    r0 += 1
    exit
