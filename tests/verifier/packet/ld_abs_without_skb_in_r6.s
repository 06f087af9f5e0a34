; type: socket_filter
; expect: reject 1 InvalidContextAccess
    r6 = 0
    r0 = *(u16 *)skb[12]
    exit
