; type: sock_ops
; expect: accept
    r2 = *(u64 *)(r1 + 184)
    if r2 == 0 goto out
    r0 = *(u32 *)(r2 + 72)
out:
    r0 = 1
    exit
