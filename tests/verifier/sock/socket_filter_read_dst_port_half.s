; type: socket_filter
; expect: accept
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r0 = *(u16 *)(r2 + 48)
out:
    r0 = 1
    exit
