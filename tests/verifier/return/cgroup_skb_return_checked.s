; type: cgroup_skb
; expect: accept
    call 7
    if r0 > 3 goto fix
    exit
fix:
    r0 = 0
    exit
