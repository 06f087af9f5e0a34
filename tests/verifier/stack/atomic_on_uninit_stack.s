; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 InvalidMemoryAccess
    r1 = 2
    lock *(u64 *)(r10 - 8) += r1
    r0 = 0
    exit
