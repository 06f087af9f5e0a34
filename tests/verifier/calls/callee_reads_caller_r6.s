; type: socket_filter
; expect: reject 3 UninitializedRegister
    r6 = 1
    call f
    exit
f:
    r0 = r6
    exit
