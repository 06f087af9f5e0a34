; type: raw
; kernel: skip
; expect: reject 0 OutOfBoundsAccess
    r2 = *(u8 *)(r1 + 4096)
    r0 = 0
    exit
