; type: sk_msg
; expect: accept
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    *(u8 *)(r2 + 0) = 1
out:
    r0 = 1
    exit
