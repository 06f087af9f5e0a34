; type: socket_filter
; expect: reject 2 UninitializedRegister
    r6 = r1
    r0 = *(u16 *)skb[12]
    r0 = r1
    exit
