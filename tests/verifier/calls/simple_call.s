; type: socket_filter
; expect: accept
    call f
    exit
f:
    r0 = 1
    exit
