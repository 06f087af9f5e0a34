; type: socket_filter
; expect: reject 1 DivisionByZero
    r0 = 1
    r0 /= 0
    exit
