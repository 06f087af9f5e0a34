; type: xdp
; expect: accept
    call 160
    r0 = 2
    exit
