; type: sched_act
; expect: reject 0 UninitializedRegister
    exit
