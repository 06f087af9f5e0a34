; type: socket_filter
; expect: reject 2 PointerArithmetic
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r2 += 4
out:
    r0 = 1
    exit
