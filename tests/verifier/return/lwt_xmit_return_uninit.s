; type: lwt_xmit
; expect: reject 0 UninitializedRegister
    exit
