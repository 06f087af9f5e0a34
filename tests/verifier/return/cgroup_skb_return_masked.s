; type: cgroup_skb
; expect: accept
    call 7
    r0 &= 3
    exit
