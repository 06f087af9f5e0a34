; type: cgroup_sock_addr
; expect: accept
    r2 = *(u64 *)(r1 + 64)
    r0 = 0
    exit
