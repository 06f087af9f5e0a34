; type: socket_filter
; expect: reject 0 UnknownHelper
    call 9999
    r0 = 0
    exit
