; type: socket_filter
; expect: reject 1 UnsupportedInstruction
    w0 = 1
    w0 >>= 32
    exit
