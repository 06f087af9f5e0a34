; type: socket_filter
; expect: reject * StackTooLarge
    *(u64 *)(r10 - 256) = 1
    call f
    r0 = 0
    exit
f:
    *(u64 *)(r10 - 288) = 1
    r0 = 0
    exit
