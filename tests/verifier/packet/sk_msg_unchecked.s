; type: sk_msg
; expect: reject 2 PacketAccessUnchecked
    r2 = *(u64 *)(r1 + 0)
    r3 = *(u64 *)(r1 + 8)
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 1
    exit
