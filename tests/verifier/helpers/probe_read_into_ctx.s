; type: socket_filter
; expect: reject 2 HelperArgument
    r2 = 4
    r3 = 0
    call 113
    r0 = 0
    exit
