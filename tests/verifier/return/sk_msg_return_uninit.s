; type: sk_msg
; expect: reject 0 UninitializedRegister
    exit
