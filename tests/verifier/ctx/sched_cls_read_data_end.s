; type: sched_cls
; expect: accept
    r2 = *(u32 *)(r1 + 80)
    r0 = 0
    exit
