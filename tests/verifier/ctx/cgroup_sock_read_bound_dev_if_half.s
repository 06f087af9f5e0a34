; type: cgroup_sock
; expect: reject 0 InvalidContextAccess
    r2 = *(u16 *)(r1 + 0)
    r0 = 0
    exit
