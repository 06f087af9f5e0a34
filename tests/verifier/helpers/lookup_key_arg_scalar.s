; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 3 HelperArgument
    ld_pseudo r1, 5, 0
    r2 = 0
    call 1
    r0 = 0
    exit
