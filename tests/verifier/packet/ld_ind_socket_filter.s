; type: socket_filter
; expect: accept
    r6 = r1
    r7 = 2
    r0 = *(u8 *)skb[r7 + 12]
    exit
