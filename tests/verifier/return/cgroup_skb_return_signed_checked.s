; type: cgroup_skb
; expect: accept
    call 7
    if r0 s> 1 goto fix
    if r0 s< 0 goto fix
    exit
fix:
    r0 = 1
    exit
