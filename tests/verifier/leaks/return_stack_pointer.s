; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 PointerLeak
    r0 = r10
    exit
