; type: socket_filter
; maps: rb ringbuf 0 0 4096
; privileged: false
; kernel: skip
; expect: reject 7 PointerLeak
    *(u64 *)(r10 - 8) = r1
    ld_pseudo r1, 5, 0
    r2 = r10
    r2 += -8
    r3 = 8
    r4 = 0
    call 130
    r0 = 0
    exit
