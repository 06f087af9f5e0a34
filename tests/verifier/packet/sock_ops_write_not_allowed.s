; type: sock_ops
; expect: reject 5 InvalidMemoryAccess
    r2 = *(u64 *)(r1 + 192)
    r3 = *(u64 *)(r1 + 200)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    *(u8 *)(r2 + 0) = 1
out:
    r0 = 1
    exit
