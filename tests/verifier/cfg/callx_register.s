; type: socket_filter
; expect: reject 1 InvalidHelperCall
    r2 = 0
    callx r2
    r0 = 0
    exit
