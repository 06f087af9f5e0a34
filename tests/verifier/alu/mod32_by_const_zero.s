; type: socket_filter
; expect: reject 1 DivisionByZero
    w0 = 7
    w0 %= 0
    exit
