; type: sk_skb
; expect: accept
    r2 = 1
    *(u32 *)(r1 + 44) = r2
    r0 = 0
    exit
