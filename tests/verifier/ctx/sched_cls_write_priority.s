; type: sched_cls
; expect: accept
    r2 = 1
    *(u32 *)(r1 + 32) = r2
    r0 = 0
    exit
