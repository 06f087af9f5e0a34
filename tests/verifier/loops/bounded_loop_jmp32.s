; type: socket_filter
; expect: accept
    w1 = 0
l:
    w1 += 1
    if w1 < 5 goto l
    r0 = 0
    exit
