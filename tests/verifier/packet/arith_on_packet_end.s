; type: xdp
; expect: reject 2 PointerArithmetic
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r3 += 1
out:
    r0 = 2
    exit
