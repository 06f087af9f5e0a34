; type: socket_filter
; maps: vals array 4 16 4
; kernel: skip
; expect: reject 0 InvalidMapReference
    ld_pseudo r1, 5, 3
    r0 = 0
    exit
