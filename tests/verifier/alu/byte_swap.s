; type: socket_filter
; expect: accept
    r0 = 0x1234
    r0 = be16 r0
    r0 = le64 r0
    exit
