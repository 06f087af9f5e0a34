; type: cgroup_sock_addr
; expect: accept
    r2 = *(u8 *)(r1 + 7)
    r0 = 0
    exit
