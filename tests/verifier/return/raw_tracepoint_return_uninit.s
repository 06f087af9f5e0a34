; type: raw_tracepoint
; expect: reject 0 UninitializedRegister
    exit
