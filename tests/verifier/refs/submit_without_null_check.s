; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: reject 7 HelperArgument
    ld_pseudo r1, 5, 0
    r2 = 8
    r3 = 0
    call 131
    r1 = r0
    r2 = 0
    call 132
    r0 = 0
    exit
