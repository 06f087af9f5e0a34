; type: cgroup_sock_addr
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u16 *)(r1 + 4) = r2
    r0 = 0
    exit
