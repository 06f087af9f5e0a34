; type: socket_filter
; expect: reject 9 HelperArgument
    r6 = r1
    call 7
    r0 &= 4
    r6 += r0
    r1 = r6
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 4
    call 26
    r0 = 0
    exit
