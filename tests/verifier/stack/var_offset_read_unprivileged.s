; note: unprivileged programs may not add an unknown scalar to a stack pointer
; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 6 PointerArithmetic
    call 7
    r0 &= 8
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 8) = 0
    r1 = r10
    r1 += -16
    r1 += r0
    r0 = *(u64 *)(r1 + 0)
    exit
