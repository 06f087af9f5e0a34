; note: only the address fields may be read in pieces at any offset
; type: socket_filter
; expect: reject 2 InvalidMemoryAccess
    r2 = *(u64 *)(r1 + 168)
    if r2 == 0 goto out
    r0 = *(u8 *)(r2 + 5)
out:
    r0 = 1
    exit
