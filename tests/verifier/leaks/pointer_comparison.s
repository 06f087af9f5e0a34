; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject 1 PointerComparison
    r0 = 0
    if r1 == r10 goto l
l:
    exit
