; type: socket_filter
; maps: counts hash 4 8 16
; privileged: false
; kernel: skip
; expect: reject 8 HelperArgument
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    ld_pseudo r1, 5, 0
    r4 = 0
    call 2
    r0 = 0
    exit
