; type: cgroup_sock_addr
; expect: accept
    r2 = *(u32 *)(r1 + 4)
    r0 = 0
    exit
