; type: kprobe
; expect: reject 0 UninitializedRegister
    exit
