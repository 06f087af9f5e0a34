; type: socket_filter
; expect: reject 0 FallOffEnd
    r0 = 0
