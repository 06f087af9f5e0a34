; note: Linux checks R0 when the main program exits
; type: socket_filter
; expect: reject 1 UninitializedRegister
    call f
    exit
f:
    exit
