; type: sock_ops
; expect: accept
    r2 = *(u64 *)(r1 + 192)
    r3 = *(u64 *)(r1 + 200)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 1
    exit
