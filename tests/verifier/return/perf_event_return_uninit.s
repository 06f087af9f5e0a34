; type: perf_event
; expect: reject 0 UninitializedRegister
    exit
