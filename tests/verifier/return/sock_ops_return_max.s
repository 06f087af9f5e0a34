; type: sock_ops
; expect: accept
    r0 = 1
    exit
