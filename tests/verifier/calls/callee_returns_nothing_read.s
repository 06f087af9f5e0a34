; type: socket_filter
; expect: reject 1 UninitializedRegister
    call f
    r1 = r0
    r0 = 0
    exit
f:
    exit
