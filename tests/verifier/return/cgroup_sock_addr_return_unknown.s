; type: cgroup_sock_addr
; expect: reject 1 InvalidReturnValue
    call 7
    exit
