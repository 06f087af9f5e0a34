; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 0 PointerLeak
    w0 = w1
    exit
