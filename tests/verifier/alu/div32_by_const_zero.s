; type: socket_filter
; expect: reject 1 DivisionByZero
    w0 = 1
    w0 /= 0
    exit
