; type: socket_filter
; expect: accept
    call 7
    r0 = (s8)r0
    exit
