; type: sk_msg
; expect: reject 0 InvalidContextAccess
    r2 = *(u16 *)(r1 + 16)
    r0 = 0
    exit
