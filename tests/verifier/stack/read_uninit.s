; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 0 InvalidMemoryAccess
    r0 = *(u64 *)(r10 - 8)
    exit
