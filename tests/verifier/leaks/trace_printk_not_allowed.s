; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 4 HelperNotAllowed
    *(u32 *)(r10 - 4) = 0x0a6968
    r1 = r10
    r1 += -4
    r2 = 4
    call 6
    r0 = 0
    exit
