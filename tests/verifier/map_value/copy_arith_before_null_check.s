; type: socket_filter
; maps: counts hash 4 8 16
; expect: reject 8 PointerArithmetic
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 1
    r6 = r0
    r6 += 8
    if r0 == 0 goto out

out:
    r0 = 0
    exit
