; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 NullCheckRequired
    r2 = *(u64 *)(r1 + 168)
    if r2 > 4 goto out
out:
    r0 = 1
    exit
