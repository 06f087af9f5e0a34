; type: sched_cls
; expect: accept
    r6 = r1
    r0 = *(u32 *)skb[26]
    r0 = 0
    exit
