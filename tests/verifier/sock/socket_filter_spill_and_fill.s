; type: socket_filter
; expect: accept
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    *(u64 *)(r10 - 8) = r2
    r3 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r3 + 4)
out:
    r0 = 1
    exit
