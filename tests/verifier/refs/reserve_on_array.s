; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 4 HelperArgument
    ld_pseudo r1, 5, 0
    r2 = 8
    r3 = 0
    call 131
    r0 = 0
    exit
