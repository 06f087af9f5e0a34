; type: lwt_in
; expect: reject 0 UninitializedRegister
    exit
