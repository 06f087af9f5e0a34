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
    r1 = *(u32 *)(r0 + 0)
    r2 = *(u32 *)(r0 + 4)
    r0 += r1
    r0 += r2
    r2 = *(u8 *)(r0 + 0)
out:
    r0 = 0
    exit
