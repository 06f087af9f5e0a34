; type: socket_filter
; expect: accept
    r0 = 0
    exit
