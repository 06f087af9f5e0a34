; type: socket_filter
; expect: reject 0 decode:TargetOutOfRange
    goto -5
    r0 = 0
    exit
