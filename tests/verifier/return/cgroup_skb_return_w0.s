; type: cgroup_skb
; expect: accept
    call 7
    w0 &= 1
    exit
