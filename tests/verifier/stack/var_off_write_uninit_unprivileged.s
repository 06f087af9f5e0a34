; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 4 PointerArithmetic
    call 7
    r0 &= 7
    r2 = r10
    r2 += -16
    r2 += r0
    r3 = 1
    *(u8 *)(r2 + 0) = r3
    r0 = 0
    exit
