; type: sched_act
; expect: accept
    call 7
    exit
