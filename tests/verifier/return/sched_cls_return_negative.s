; type: sched_cls
; expect: accept
    r0 = -1
    exit
