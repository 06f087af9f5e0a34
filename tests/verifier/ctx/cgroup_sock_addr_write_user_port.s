; type: cgroup_sock_addr
; expect: accept
    r2 = 1
    *(u32 *)(r1 + 24) = r2
    r0 = 0
    exit
