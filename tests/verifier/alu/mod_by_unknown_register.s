; type: socket_filter
; expect: accept
    call 7
    r1 = r0
    r0 = 100
    r0 %= r1
    exit
