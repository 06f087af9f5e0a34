; type: lwt_xmit
; expect: accept
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit
