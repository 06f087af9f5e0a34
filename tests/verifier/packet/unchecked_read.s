; type: xdp
; expect: reject 2 PacketAccessUnchecked
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit
