; type: socket_filter
; expect: accept
    r0 = 0
    if r1 == r10 goto l
l:
    exit
