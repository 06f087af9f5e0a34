; type: cgroup_sock_addr
; expect: accept
    r0 = 0
    exit
