; type: socket_filter
; expect: reject 5 InvalidReturnValue
    call f
    r0 = 0
    exit
f:
    r0 = r10
    r0 += -8
    exit
