; type: socket_filter
; kernel: skip
; expect: reject 4 HelperArgument
    r1 = 10
    r2 = 0
    r3 = 0
    r4 = 0
    call 181
    r0 = 0
    exit
