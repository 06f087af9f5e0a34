; type: lwt_in
; expect: accept
    call 7
    exit
