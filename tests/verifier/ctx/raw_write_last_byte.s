; type: raw
; kernel: skip
; expect: accept
    r2 = 1
    *(u8 *)(r1 + 4095) = r2
    r0 = 0
    exit
