; type: tracepoint
; expect: reject 3 HelperArgument
    r1 = r10
    r1 += -16
    r2 = 24
    call 16
    r0 = 0
    exit
