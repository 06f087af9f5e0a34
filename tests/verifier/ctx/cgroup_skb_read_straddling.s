; type: cgroup_skb
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 0)
    r0 = 0
    exit
