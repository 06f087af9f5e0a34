; type: cgroup_sock
; expect: accept
    r2 = *(u32 *)(r1 + 72)
    r0 = 0
    exit
