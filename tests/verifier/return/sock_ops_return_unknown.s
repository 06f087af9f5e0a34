; type: sock_ops
; expect: reject 1 InvalidReturnValue
    call 7
    exit
