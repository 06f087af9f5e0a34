; type: xdp
; maps: devs devmap 4 4 4
; expect: accept
    ld_pseudo r1, 5, 0
    r2 = 0
    r3 = 0
    call 51
    exit
