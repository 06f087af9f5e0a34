; type: socket_filter
; expect: reject 1 UninitializedRegister
    r0 = 0
    if r3 > 1 goto l
l:
    exit
