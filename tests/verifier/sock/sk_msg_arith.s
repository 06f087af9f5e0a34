; type: sk_msg
; expect: reject 1 PointerArithmetic
    r2 = *(u64 *)(r1 + 72)
    r2 += 8
out:
    r0 = 1
    exit
