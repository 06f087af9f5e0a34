; type: lwt_xmit
; expect: accept
    call 7
    exit
