; type: sk_skb
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 152)
    r0 = 0
    exit
