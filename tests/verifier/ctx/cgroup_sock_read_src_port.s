; type: cgroup_sock
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 44)
    r0 = 0
    exit
