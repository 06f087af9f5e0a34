; type: socket_filter
; expect: reject 3 InvalidMemoryAccess
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r3 = 1
    *(u32 *)(r2 + 0) = r3
out:
    r0 = 1
    exit
