; type: sk_msg
; expect: accept
    r2 = *(u32 *)(r1 + 68)
    r0 = 0
    exit
