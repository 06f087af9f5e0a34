; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: reject 5 HelperArgument
    call 7
    r2 = r0
    ld_pseudo r1, 5, 0
    r3 = 0
    call 131
    r0 = 0
    exit
