; note: privileged: negating a pointer yields an unknown scalar
; type: socket_filter
; expect: accept
    r0 = r10
    r0 = -r0
    exit
