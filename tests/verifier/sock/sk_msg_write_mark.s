; type: sk_msg
; expect: reject 2 InvalidMemoryAccess
    r2 = *(u64 *)(r1 + 72)
    r3 = 1
    *(u32 *)(r2 + 16) = r3
out:
    r0 = 1
    exit
