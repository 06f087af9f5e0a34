; note: Linux 6.14+: a constant in-range key into an array map cannot miss
; type: socket_filter
; maps: vals array 4 16 4
; expect: accept
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    r1 = *(u64 *)(r0 + 0)
    r0 = 0
    exit
