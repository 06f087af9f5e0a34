; type: xdp
; expect: reject 1 UnsupportedInstruction
    r6 = r1
    r0 = *(u16 *)skb[12]
    r0 = 2
    exit
