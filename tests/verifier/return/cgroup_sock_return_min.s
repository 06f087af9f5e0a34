; type: cgroup_sock
; expect: accept
    r0 = 0
    exit
