; type: socket_filter
; expect: reject 1 decode:TargetOutOfRange
    r0 = 0
    if r1 == 0 goto +2
    exit
