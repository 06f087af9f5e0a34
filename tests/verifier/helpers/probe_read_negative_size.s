; type: socket_filter
; expect: reject 4 HelperArgument
    r2 = -1
    r1 = r10
    r1 += -16
    r3 = 0
    call 113
    r0 = 0
    exit
