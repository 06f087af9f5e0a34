; type: kprobe
; expect: reject 4 HelperNotAllowed
    r2 = 0
    r3 = r10
    r3 += -8
    r4 = 8
    call 26
    r0 = 0
    exit
