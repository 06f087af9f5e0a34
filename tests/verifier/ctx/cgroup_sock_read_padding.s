; type: cgroup_sock
; expect: reject 0 InvalidContextAccess
    r2 = *(u16 *)(r1 + 50)
    r0 = 0
    exit
