; type: tracepoint
; expect: reject 0 UninitializedRegister
    exit
