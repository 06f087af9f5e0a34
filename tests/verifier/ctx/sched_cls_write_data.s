; type: sched_cls
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u32 *)(r1 + 76) = r2
    r0 = 0
    exit
