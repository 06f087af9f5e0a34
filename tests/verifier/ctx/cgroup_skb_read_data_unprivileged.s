; type: cgroup_skb
; privileged: false
; kernel: skip
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 76)
    r0 = 0
    exit
