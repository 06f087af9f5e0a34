; type: sched_cls
; expect: reject 1 HelperNotAllowed
    r2 = -14
    call 44
    r0 = 0
    exit
