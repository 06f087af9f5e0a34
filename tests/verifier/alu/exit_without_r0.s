; type: socket_filter
; expect: reject 0 UninitializedRegister "r0 is not initialized"
    exit
