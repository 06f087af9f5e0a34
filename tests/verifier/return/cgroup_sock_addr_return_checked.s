; type: cgroup_sock_addr
; expect: accept
    call 7
    if r0 > 1 goto fix
    exit
fix:
    r0 = 0
    exit
