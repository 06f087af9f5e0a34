; type: socket_filter
; expect: accept
    r0 = r1
    exit
