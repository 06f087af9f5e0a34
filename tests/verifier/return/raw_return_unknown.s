; type: raw
; kernel: skip
; expect: accept
    call 7
    exit
