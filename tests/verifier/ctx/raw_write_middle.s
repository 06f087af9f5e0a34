; type: raw
; kernel: skip
; expect: accept
    r2 = 1
    *(u32 *)(r1 + 2048) = r2
    r0 = 0
    exit
