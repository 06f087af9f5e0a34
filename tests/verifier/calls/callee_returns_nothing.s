; type: socket_filter
; expect: reject 2 UninitializedRegister
    call f
    exit
f:
    exit
