; type: lwt_in
; expect: reject 1 InvalidContextAccess
    r2 = 1
    *(u32 *)(r1 + 44) = r2
    r0 = 0
    exit
