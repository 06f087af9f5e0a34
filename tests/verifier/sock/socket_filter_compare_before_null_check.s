; note: privileged: pointers may be compared with anything; only a comparison with 0 proves non-null
; type: socket_filter
; expect: accept
    r2 = *(u64 *)(r1 + 168)
    if r2 > 4 goto out
    r0 = 0
out:
    r0 = 1
    exit
