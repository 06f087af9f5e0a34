; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: reject 8 ReferenceLeak
    ld_pseudo r1, 5, 0
    r2 = 8
    r3 = 0
    call 131
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = 1
out:
    r0 = 0
    exit
