; type: socket_filter
; expect: reject 2 UnreachableInstruction
    r0 = 0
    goto l
    r0 = 1
l:
    exit
