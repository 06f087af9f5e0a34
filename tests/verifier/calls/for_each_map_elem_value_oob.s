; type: socket_filter
; maps: vals array 4 16 4
; kernel: skip
; expect: reject 9 OutOfBoundsAccess
    ld_pseudo r1, 5, 0
    ld_pseudo r2, 4, 6
    r3 = 0
    r4 = 0
    call 164
    r0 = 0
    exit
cb:
    r0 = *(u64 *)(r3 + 16)
    r0 = 0
    exit
