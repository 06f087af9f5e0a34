; type: socket_filter
; expect: reject 2 OutOfBoundsAccess
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 80)
out:
    r0 = 1
    exit
