; type: cgroup_sock_addr
; expect: reject 0 InvalidContextAccess
    r2 = *(u16 *)(r1 + 28)
    r0 = 0
    exit
