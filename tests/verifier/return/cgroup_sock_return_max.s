; type: cgroup_sock
; expect: accept
    r0 = 1
    exit
