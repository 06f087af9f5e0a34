; type: socket_filter
; expect: accept
    r0 = 0x123456789 ll
    exit
