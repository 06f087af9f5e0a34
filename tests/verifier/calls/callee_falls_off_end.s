; note: f's last instruction is followed by g only because g is called elsewhere
; type: socket_filter
; expect: reject * FallOffEnd
    call f
    exit
f:
    r0 = 1
g:
    r0 = 2
    exit
h:
    call g
    exit
