; type: cgroup_sock
; expect: reject 1 InvalidReturnValue
    call 7
    exit
