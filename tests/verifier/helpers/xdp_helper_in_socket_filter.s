; type: socket_filter
; expect: reject 1 HelperNotAllowed
    r2 = 0
    call 44
    r0 = 0
    exit
