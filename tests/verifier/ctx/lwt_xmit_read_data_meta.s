; type: lwt_xmit
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 140)
    r0 = 0
    exit
