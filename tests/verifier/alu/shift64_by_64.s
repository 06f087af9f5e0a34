; type: socket_filter
; expect: reject 1 UnsupportedInstruction
    r0 = 1
    r0 <<= 64
    exit
