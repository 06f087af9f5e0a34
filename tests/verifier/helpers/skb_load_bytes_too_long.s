; type: socket_filter
; expect: reject 4 HelperArgument
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 16
    call 26
    r0 = 0
    exit
