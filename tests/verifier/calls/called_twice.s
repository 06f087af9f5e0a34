; type: socket_filter
; expect: accept
    call f
    r6 = r0
    call f
    r0 += r6
    exit
f:
    r0 = 2
    exit
