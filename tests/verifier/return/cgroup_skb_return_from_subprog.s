; type: cgroup_skb
; expect: accept
    call f
    exit
f:
    r0 = 1
    exit
