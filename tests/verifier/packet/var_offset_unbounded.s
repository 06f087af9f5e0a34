; note: an offset of up to 2^32 is beyond MAX_PACKET_OFF, so the comparison proves nothing
; type: xdp
; expect: reject 10 PacketAccessUnchecked
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r5 = *(u32 *)(r2 + 0)
    r2 += r5
    r6 = r2
    r6 += 1
    if r6 > r3 goto out
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 2
    exit
