; type: socket_filter
; maps: vals array 4 16 4
; maps: counts hash 4 8 16
; expect: reject 16 OutOfBoundsAccess
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    if r0 == 0 goto out
    r1 = 0
    *(u32 *)(r10 - 8) = r1
    r2 = r10
    r2 += -8
    ld_pseudo r1, 5, 1
    call 1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 8)
out:
    r0 = 0
    exit
