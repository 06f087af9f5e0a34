; note: helpers that change the packet invalidate every packet pointer
; type: xdp
; expect: reject 8 InvalidMemoryAccess
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 14
    if r4 > r3 goto out
    r6 = r2
    r2 = 0
    call 44
    r0 = *(u8 *)(r6 + 0)
out:
    r0 = 2
    exit
