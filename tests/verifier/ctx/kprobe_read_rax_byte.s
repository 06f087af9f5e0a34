; type: kprobe
; expect: accept
    r2 = *(u8 *)(r1 + 83)
    r0 = 0
    exit
