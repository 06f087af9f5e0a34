; type: socket_filter
; expect: accept
    r1 = 0
    r0 = 0
l:
    r0 += r1
    r1 += 1
    if r1 < 1000 goto l
    exit
