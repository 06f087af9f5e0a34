; type: socket_filter
; expect: accept
    call f
    r0 = 0
    exit
f:
    exit
