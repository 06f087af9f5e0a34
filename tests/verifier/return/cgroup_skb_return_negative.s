; type: cgroup_skb
; expect: reject 1 InvalidReturnValue
    r0 = -1
    exit
