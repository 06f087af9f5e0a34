; type: sock_ops
; expect: accept
    r2 = 1
    *(u32 *)(r1 + 4) = r2
    r0 = 0
    exit
