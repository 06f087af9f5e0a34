; type: socket_filter
; expect: reject 1 decode:TargetInsideLoadImm64
    r0 = 0
    goto +1
    r1 = 1 ll
    exit
