; type: sock_ops
; expect: accept
    call 7
    r0 &= 1
    exit
