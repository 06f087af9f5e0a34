; type: socket_filter
; expect: accept
    r1 = 0
l:
    r1 += 1
    if r1 < 10 goto l
    r0 = 0
    exit
