; type: sched_cls
; expect: reject 0 InvalidContextAccess
    r2 = *(u16 *)(r1 + 76)
    r0 = 0
    exit
