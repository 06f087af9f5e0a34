; type: socket_filter
; expect: accept
    *(u64 *)(r10 - 8) = 1
    call f
    r0 = *(u64 *)(r10 - 8)
    exit
f:
    *(u64 *)(r10 - 8) = 2
    r0 = *(u64 *)(r10 - 8)
    exit
