; type: lwt_xmit
; expect: reject 2 PacketAccessUnchecked
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r0 = *(u8 *)(r2 + 0)
out:
    r0 = 0
    exit
