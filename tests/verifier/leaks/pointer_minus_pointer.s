; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 PointerArithmetic
    r0 = r10
    r0 -= r1
    r0 = 0
    exit
