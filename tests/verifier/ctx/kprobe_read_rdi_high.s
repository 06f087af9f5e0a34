; type: kprobe
; expect: accept
    r2 = *(u32 *)(r1 + 116)
    r0 = 0
    exit
