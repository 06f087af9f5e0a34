; type: sk_msg
; expect: accept
    r2 = *(u64 *)(r1 + 8)
    r0 = 0
    exit
