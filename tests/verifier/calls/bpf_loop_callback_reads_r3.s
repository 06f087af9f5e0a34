; type: socket_filter
; kernel: skip
; expect: reject 8 UninitializedRegister
    r1 = 10
    ld_pseudo r2, 4, 6
    r3 = 0
    r4 = 0
    call 181
    r0 = 0
    exit
cb:
    r0 = r3
    exit
