; type: sock_ops
; expect: reject 1 NullCheckRequired
    r2 = *(u64 *)(r1 + 184)
    r0 = *(u32 *)(r2 + 72)
out:
    r0 = 1
    exit
