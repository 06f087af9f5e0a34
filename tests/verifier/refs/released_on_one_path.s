; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: reject 13 ReferenceLeak
    ld_pseudo r1, 5, 0
    r2 = 8
    r3 = 0
    call 131
    if r0 == 0 goto out
    r6 = r0
    call 7
    if r0 > 5 goto skip
    r1 = r6
    r2 = 0
    call 132
skip:
out:
    r0 = 0
    exit
