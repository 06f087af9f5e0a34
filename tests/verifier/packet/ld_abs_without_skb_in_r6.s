; type: socket_filter
; expect: reject 1 InvalidMemoryAccess
    r6 = 0
    r0 = *(u16 *)skb[12]
    exit
