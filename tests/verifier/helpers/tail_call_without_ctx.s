; type: socket_filter
; maps: progs prog_array 4 4 4
; expect: reject 4 HelperArgument
    r1 = 0
    ld_pseudo r2, 5, 0
    r3 = 0
    call 12
    r0 = 0
    exit
