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
    r1 = r0
    call f

out:
    r0 = 0
    exit
f:
    r0 = *(u64 *)(r1 + 12)
    exit
