; type: lwt_out
; expect: accept
    r2 = *(u16 *)(r1 + 18)
    r0 = 0
    exit
