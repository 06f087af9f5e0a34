; type: socket_filter
; expect: accept
    *(u64 *)(r10 - 8) = 0
    *(u64 *)(r10 - 16) = 0
    *(u64 *)(r10 - 24) = 0
    *(u64 *)(r10 - 32) = 0
    r0 = 0
    r1 = 0
l:
    r2 = r10
    r2 += -32
    r2 += r1
    r3 = *(u8 *)(r2 + 0)
    r0 += r3
    r1 += 1
    if r1 < 32 goto l
    exit
