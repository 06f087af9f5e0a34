; type: socket_filter
; maps: vals array 4 16 4
; expect: reject 12 OutOfBoundsAccess
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    if r0 == 0 goto out
    r6 = r0
    call idx
    r0 &= 15
    r6 += r0
    r0 = *(u64 *)(r6 + 0)

out:
    r0 = 0
    exit
idx:
    call 7
    exit
