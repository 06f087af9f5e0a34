; type: socket_filter
; expect: reject 0 UninitializedRegister
    exit
