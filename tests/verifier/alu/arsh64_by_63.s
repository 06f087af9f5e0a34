; type: socket_filter
; expect: accept
    r0 = -8
    r0 s>>= 63
    exit
