; type: sk_msg
; expect: reject 1 InvalidMemoryAccess
    r2 = *(u64 *)(r1 + 72)
    r0 = *(u16 *)(r2 + 20)
out:
    r0 = 1
    exit
