; type: socket_filter
; expect: reject 1 decode:TargetOutOfRange
    r0 = 0
    goto +5
    exit
