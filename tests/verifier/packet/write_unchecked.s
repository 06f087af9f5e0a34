; type: xdp
; expect: reject 2 PacketAccessUnchecked
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    *(u8 *)(r2 + 0) = 1
out:
    r0 = 2
    exit
