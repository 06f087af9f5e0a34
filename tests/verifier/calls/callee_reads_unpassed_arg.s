; type: socket_filter
; expect: reject 3 UninitializedRegister
    r1 = 4
    call f
    exit
f:
    r0 = r2
    exit
