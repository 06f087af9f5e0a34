; type: socket_filter
; expect: reject 2 UnreachableInstruction
    r0 = 0
    exit
f:
    r0 = 1
    exit
