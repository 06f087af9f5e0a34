; note: division by a register holding 0 yields 0 at run time; the kernel accepts it
; type: socket_filter
; expect: accept
    r0 = 1
    r1 = 0
    r0 /= r1
    exit
