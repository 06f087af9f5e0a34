; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 3 InvalidMemoryAccess
    call 7
    if r0 > 5 goto skip
    *(u64 *)(r10 - 8) = 1
skip:
    r0 = *(u64 *)(r10 - 8)
    exit
