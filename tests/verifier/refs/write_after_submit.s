; type: socket_filter
; maps: rb ringbuf 0 0 4096
; expect: reject 10 InvalidMemoryAccess
    ld_pseudo r1, 5, 0
    r2 = 8
    r3 = 0
    call 131
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    r2 = 0
    call 132
    *(u64 *)(r6 + 0) = 1
out:
    r0 = 0
    exit
