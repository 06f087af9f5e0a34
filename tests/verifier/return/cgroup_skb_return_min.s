; type: cgroup_skb
; expect: accept
    r0 = 0
    exit
