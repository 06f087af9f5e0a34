; type: socket_filter
; expect: reject 2 UninitializedRegister
    r1 = 5
    call f
    r0 = r1
    exit
f:
    r0 = 0
    exit
