; type: raw
; kernel: skip
; expect: reject 0 OutOfBoundsAccess
    r2 = *(u64 *)(r1 + 4092)
    r0 = 0
    exit
