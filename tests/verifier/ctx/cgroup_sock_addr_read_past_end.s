; type: cgroup_sock_addr
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 72)
    r0 = 0
    exit
