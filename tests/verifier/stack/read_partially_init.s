; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 InvalidMemoryAccess
    *(u32 *)(r10 - 8) = 1
    r0 = *(u64 *)(r10 - 8)
    exit
