; type: sched_cls
; expect: accept
    call 7
    exit
