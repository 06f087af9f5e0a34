; note: privileged: a 32-bit move of a pointer yields an unknown scalar
; type: socket_filter
; expect: accept
    w0 = w10
    exit
