; type: socket_filter
; expect: reject 0 UnknownHelper
    call 0
    r0 = 0
    exit
