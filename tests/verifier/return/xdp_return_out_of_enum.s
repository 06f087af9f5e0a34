; note: the kernel does not range-check XDP verdicts
; type: xdp
; expect: accept
    r0 = 7
    exit
