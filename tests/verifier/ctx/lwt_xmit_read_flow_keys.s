; type: lwt_xmit
; expect: reject 0 InvalidContextAccess
    r2 = *(u64 *)(r1 + 144)
    r0 = 0
    exit
