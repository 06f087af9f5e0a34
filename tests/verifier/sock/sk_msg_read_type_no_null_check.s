; type: sk_msg
; expect: accept
    r2 = *(u64 *)(r1 + 72)
    r0 = *(u32 *)(r2 + 8)
out:
    r0 = 1
    exit
