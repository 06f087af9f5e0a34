; type: sk_msg
; expect: reject 0 InvalidContextAccess
    r2 = *(u32 *)(r1 + 0)
    r0 = 0
    exit
