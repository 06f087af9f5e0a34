; type: socket_filter
; expect: reject 5 HelperArgument
    call 7
    r2 = r0
    r1 = r10
    r1 += -16
    r3 = 0
    call 113
    r0 = 0
    exit
