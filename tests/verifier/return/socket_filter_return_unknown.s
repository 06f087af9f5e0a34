; type: socket_filter
; expect: accept
    call 7
    exit
