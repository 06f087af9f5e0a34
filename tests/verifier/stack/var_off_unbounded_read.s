; note: the addition is allowed (its minimum is known); the access is not
; type: socket_filter
; expect: reject 6 OutOfBoundsAccess
    call 7
    r0 &= 0xffff
    r0 <<= 16
    r2 = r10
    r2 += -16
    r2 += r0
    r0 = *(u8 *)(r2 + 0)
    exit
