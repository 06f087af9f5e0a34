; note: a hash lookup may fail (Linux 6.14+ proves constant in-range ARRAY lookups non-null, so a hash map is used)
; type: socket_filter
; maps: counts hash 4 8 16
; expect: reject 7 NullCheckRequired
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    r1 = *(u64 *)(r0 + 0)
    r0 = 0
    exit
