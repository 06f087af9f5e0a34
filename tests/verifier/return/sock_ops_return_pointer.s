; type: sock_ops
; expect: reject 1 InvalidReturnValue
    r0 = r1
    exit
