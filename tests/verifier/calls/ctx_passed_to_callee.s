; type: socket_filter
; expect: accept
    call f
    exit
f:
    r0 = *(u32 *)(r1 + 0)
    exit
