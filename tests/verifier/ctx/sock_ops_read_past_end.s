; type: sock_ops
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 216)
    r0 = 0
    exit
