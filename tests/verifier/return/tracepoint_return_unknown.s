; type: tracepoint
; expect: accept
    call 7
    exit
