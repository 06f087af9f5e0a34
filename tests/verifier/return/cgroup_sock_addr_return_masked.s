; type: cgroup_sock_addr
; expect: accept
    call 7
    r0 &= 1
    exit
