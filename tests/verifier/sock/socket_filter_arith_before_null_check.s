; type: socket_filter
; expect: reject 1 NullCheckRequired
    r2 = *(u64 *)(r1 + 168)
    r2 += 4
out:
    r0 = 1
    exit
