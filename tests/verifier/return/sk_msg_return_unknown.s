; type: sk_msg
; expect: accept
    call 7
    exit
