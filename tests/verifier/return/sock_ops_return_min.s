; type: sock_ops
; expect: accept
    r0 = 0
    exit
