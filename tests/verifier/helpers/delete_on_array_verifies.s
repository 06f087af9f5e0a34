; note: array deletes fail at run time with -EINVAL; the verifier accepts them
; type: socket_filter
; maps: vals array 4 16 4
; expect: accept
    *(u32 *)(r10 - 4) = 1
    r2 = r10
    r2 += -4
    ld_pseudo r1, 5, 0
    call 3
    r0 = 0
    exit
