; note: privileged: overwriting part of a spilled pointer turns the slot into plain data
; type: socket_filter
; expect: reject 3 InvalidMemoryAccess
    *(u64 *)(r10 - 8) = r1
    *(u8 *)(r10 - 8) = 0
    r6 = *(u64 *)(r10 - 8)
    r0 = *(u32 *)(r6 + 0)
    exit
