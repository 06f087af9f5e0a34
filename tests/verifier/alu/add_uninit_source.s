; type: socket_filter
; expect: reject 1 UninitializedRegister
    r0 = 1
    r0 += r7
    exit
