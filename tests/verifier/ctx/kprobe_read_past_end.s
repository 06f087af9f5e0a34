; type: kprobe
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 168)
    r0 = 0
    exit
