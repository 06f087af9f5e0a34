; type: socket_filter
; expect: accept
    call 7
    r0 = -r0
    r0 ^= 0x55
    exit
