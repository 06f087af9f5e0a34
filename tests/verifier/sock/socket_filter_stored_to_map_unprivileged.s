; type: socket_filter
; maps: vals array 4 16 4
; privileged: false
; kernel: skip
; expect: reject 11 PointerLeak
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r6 = r2

    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    if r0 == 0 goto out
    *(u64 *)(r0 + 0) = r6
out:
    r0 = 1
    exit
