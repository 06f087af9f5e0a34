; type: xdp
; expect: accept
    call 7
    exit
