; type: socket_filter
; expect: accept
    r2 = *(u64 *)(r1 + 168)
    r3 = r2
    if r2 == 0 goto out
    r0 = *(u32 *)(r3 + 4)
out:
    r0 = 1
    exit
