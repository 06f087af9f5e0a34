; type: kprobe
; expect: accept
    call 7
    exit
