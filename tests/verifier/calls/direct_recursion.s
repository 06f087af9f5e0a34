; type: socket_filter
; expect: reject 2 Recursion
    call f
    exit
f:
    call f
    exit
