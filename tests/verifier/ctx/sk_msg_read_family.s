; type: sk_msg
; expect: accept
    r2 = *(u32 *)(r1 + 16)
    r0 = 0
    exit
