; type: xdp
; expect: reject 3 PacketAccessUnchecked
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = *(u32 *)(r1 + 8)
    r0 = *(u32 *)(r4 + 0)
out:
    r0 = 2
    exit
