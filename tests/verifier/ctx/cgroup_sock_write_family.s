; type: cgroup_sock
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u32 *)(r1 + 4) = r2
    r0 = 0
    exit
