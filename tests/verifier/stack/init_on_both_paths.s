; type: socket_filter
; expect: accept
    call 7
    if r0 > 5 goto other
    *(u64 *)(r10 - 8) = 1
    goto done
other:
    *(u64 *)(r10 - 8) = 2
done:
    r0 = *(u64 *)(r10 - 8)
    exit
