; type: sk_skb
; expect: reject 0 InvalidContextAccess
    r2 = *(u16 *)(r1 + 92)
    r0 = 0
    exit
