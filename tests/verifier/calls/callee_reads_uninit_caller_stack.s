; note: privileged: uninitialised stack reads are allowed
; type: socket_filter
; expect: accept
    r1 = r10
    r1 += -8
    call f
    exit
f:
    r0 = *(u64 *)(r1 + 0)
    exit
