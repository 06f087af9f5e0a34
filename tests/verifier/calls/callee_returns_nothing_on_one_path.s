; type: socket_filter
; expect: reject 3 UninitializedRegister
    call 7
    r1 = r0
    call f
    exit
f:
    if r1 > 5 goto e
    r0 = 1
e:
    exit
