; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 InvalidMemoryAccess
    *(u64 *)(r10 - 8) = r1
    *(u8 *)(r10 - 8) = 0
    r0 = 0
    exit
