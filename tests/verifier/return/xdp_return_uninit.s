; type: xdp
; expect: reject 0 UninitializedRegister
    exit
