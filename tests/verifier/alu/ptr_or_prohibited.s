; type: socket_filter
; expect: reject 1 PointerArithmetic
    r0 = r10
    r0 |= 8
    exit
