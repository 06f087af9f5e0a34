; type: kprobe
; expect: accept
    call 14
    r0 = 0
    exit
