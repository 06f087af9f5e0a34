; type: cgroup_sock_addr
; expect: reject 1 InvalidReturnValue
    r0 = r1
    exit
