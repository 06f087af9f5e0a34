; type: socket_filter
; expect: reject 1 DivisionByZero
    r0 = 5
    r0 s/= 0
    exit
