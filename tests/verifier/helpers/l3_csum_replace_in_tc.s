; type: sched_cls
; expect: accept
    r2 = 24
    r3 = 0
    r4 = 1
    r5 = 2
    call 10
    r0 = 0
    exit
