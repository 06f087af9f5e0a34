; type: sched_cls
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 88)
    r0 = 0
    exit
