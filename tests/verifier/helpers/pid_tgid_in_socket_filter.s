; note: the current-task helpers are base helpers since Linux 6.x
; type: socket_filter
; expect: accept
    call 14
    r0 = 0
    exit
