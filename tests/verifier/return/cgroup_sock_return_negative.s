; type: cgroup_sock
; expect: reject 1 InvalidReturnValue
    r0 = -1
    exit
