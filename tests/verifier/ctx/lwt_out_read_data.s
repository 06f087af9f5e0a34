; type: lwt_out
; expect: accept
    r2 = *(u32 *)(r1 + 76)
    r0 = 0
    exit
