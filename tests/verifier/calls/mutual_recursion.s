; type: socket_filter
; expect: reject 4 Recursion
    call f
    exit
f:
    call g
    exit
g:
    call f
    exit
