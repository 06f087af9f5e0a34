; type: kprobe
; expect: reject 0 HelperNotAllowed
    call 160
    r0 = 0
    exit
