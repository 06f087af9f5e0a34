; type: socket_filter
; expect: accept
    r1 = 4
    r2 = 5
    call f
    exit
f:
    r0 = r1
    r0 += r2
    exit
