; type: socket_filter
; expect: accept
    r6 = 0
l:
    call 7
    r6 += 1
    if r6 < 8 goto l
    r0 = 0
    exit
