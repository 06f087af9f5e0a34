; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 2 PointerArithmetic
    ld_pseudo r1, 5, 0
    r1 += 8
    r0 = 0
    exit
