; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 2 PointerLeak
    *(u64 *)(r10 - 8) = r1
    r0 = *(u64 *)(r10 - 8)
    exit
