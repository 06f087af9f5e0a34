; type: perf_event
; expect: accept
    call 7
    exit
