; type: kprobe
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u64 *)(r1 + 112) = r2
    r0 = 0
    exit
