; type: sched_cls
; expect: reject 0 UninitializedRegister
    exit
