; type: socket_filter
; expect: reject 1 UninitializedRegister
    call 7
    r0 = r1
    exit
