; type: socket_filter
; expect: reject 0 UninitializedRegister "R0"
    exit
