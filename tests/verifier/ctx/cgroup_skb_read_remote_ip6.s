; type: cgroup_skb
; expect: accept
    r2 = *(u32 *)(r1 + 104)
    r0 = 0
    exit
