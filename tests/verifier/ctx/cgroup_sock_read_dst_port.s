; type: cgroup_sock
; expect: accept
    r2 = *(u16 *)(r1 + 48)
    r0 = 0
    exit
