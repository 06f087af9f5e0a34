; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 3 HelperArgument
    ld_pseudo r2, 5, 0
    r3 = 0
    call 12
    r0 = 0
    exit
