; type: sched_act
; expect: accept
    r2 = 1
    *(u32 *)(r1 + 72) = r2
    r0 = 0
    exit
