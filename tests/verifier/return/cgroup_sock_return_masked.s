; type: cgroup_sock
; expect: accept
    call 7
    r0 &= 1
    exit
