; type: cgroup_skb
; expect: accept
    r0 = 3
    exit
