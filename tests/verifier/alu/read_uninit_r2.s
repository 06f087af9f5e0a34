; type: socket_filter
; expect: reject 0 UninitializedRegister
    r0 = r2
    exit
