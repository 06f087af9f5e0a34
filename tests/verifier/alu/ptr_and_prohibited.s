; type: socket_filter
; expect: reject 1 PointerArithmetic
    r0 = r1
    r0 &= 1
    exit
