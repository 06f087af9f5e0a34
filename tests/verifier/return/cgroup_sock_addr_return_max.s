; type: cgroup_sock_addr
; expect: accept
    r0 = 1
    exit
