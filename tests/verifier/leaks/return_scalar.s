; type: socket_filter
; privileged: false
; kernel: skip
; expect: accept
    call 7
    exit
