; type: socket_filter
; expect: reject 2 UnreachableInstruction
    r0 = 0
    exit
    r0 = 1
    exit
