; type: sched_cls
; expect: accept
    r2 = *(u64 *)(r1 + 152)
    r0 = 0
    exit
