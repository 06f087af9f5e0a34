; type: socket_filter
; maps: locked hash 4 16 4 spinlock=0
; kernel: skip
; expect: reject 11 InvalidMemoryAccess
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    if r0 == 0 goto out
    r6 = r0
    r1 = r0
    call 93
    r1 = *(u32 *)(r6 + 0)
    r1 = r6
    call 94
out:
    r0 = 0
    exit
