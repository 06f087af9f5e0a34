; type: socket_filter
; expect: reject 2 UninitializedRegister
    r5 = 1
    call 7
    r0 = r5
    exit
