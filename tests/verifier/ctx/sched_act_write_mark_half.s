; type: sched_act
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u16 *)(r1 + 8) = r2
    r0 = 0
    exit
