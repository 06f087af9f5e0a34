; type: cgroup_skb
; expect: reject 1 InvalidReturnValue
    call 7
    exit
