; note: privileged: pointer - pointer yields an unknown scalar
; type: socket_filter
; expect: accept
    r0 = r10
    r0 -= r1
    exit
