; type: socket_filter
; kernel: skip
; expect: accept
    *(u64 *)(r10 - 8) = 0
    r1 = 10
    ld_pseudo r2, 4, 7
    r3 = r10
    r3 += -8
    r4 = 0
    call 181
    r0 = *(u64 *)(r10 - 8)
    exit
cb:
    r3 = *(u64 *)(r2 + 0)
    r3 += 1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    exit
