; type: sock_ops
; expect: accept
    r2 = *(u8 *)(r1 + 212)
    r0 = 0
    exit
