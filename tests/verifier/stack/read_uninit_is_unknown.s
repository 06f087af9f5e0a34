; note: both branches are explored: the value is not taken to be 0
; type: socket_filter
; expect: accept
    r1 = *(u64 *)(r10 - 8)
    r1 &= 7
    r0 = 0
    if r1 == 0 goto z
    r0 = 1
z:
    exit
