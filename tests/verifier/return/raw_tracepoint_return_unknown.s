; type: raw_tracepoint
; expect: accept
    call 7
    exit
