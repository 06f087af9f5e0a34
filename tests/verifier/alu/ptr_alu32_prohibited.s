; type: socket_filter
; expect: reject 1 PointerArithmetic
    r0 = r10
    w0 += 1
    exit
