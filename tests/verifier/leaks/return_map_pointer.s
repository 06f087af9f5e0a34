; type: socket_filter
; maps: vals array 4 16 4
; privileged: false
; kernel: skip
; expect: reject 2 PointerLeak
    ld_pseudo r0, 5, 0
    exit
