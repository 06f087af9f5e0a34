; type: sched_cls
; expect: accept
    *(u32 *)(r10 - 4) = 0
    r2 = 0
    r3 = r10
    r3 += -4
    r4 = 4
    r5 = 0
    call 9
    r0 = 0
    exit
