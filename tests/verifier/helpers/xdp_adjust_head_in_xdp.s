; type: xdp
; expect: accept
    r2 = -14
    call 44
    r0 = 2
    exit
