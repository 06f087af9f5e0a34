; type: socket_filter
; maps: vals array 4 16 4
; expect: accept
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    r0 = 0
    exit
