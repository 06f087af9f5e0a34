; type: socket_filter
; privileged: false
; kernel: skip
; expect: accept
    r0 = *(u32 *)(r1 + 0)
    exit
