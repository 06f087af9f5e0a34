; type: socket_filter
; expect: accept
    r6 = 5
    call f
    r0 = r6
    exit
f:
    r6 = 1
    r0 = r6
    exit
