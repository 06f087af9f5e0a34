; type: sched_cls
; expect: accept
    r2 = *(u8 *)(r1 + 180)
    r0 = 0
    exit
