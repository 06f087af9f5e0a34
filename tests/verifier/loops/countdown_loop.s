; type: socket_filter
; expect: accept
    r1 = 20
l:
    r1 += -1
    if r1 != 0 goto l
    r0 = r1
    exit
