; note: unprivileged programs may not have back-edges at all
; type: socket_filter
; privileged: false
; kernel: skip
; expect: reject * InfiniteLoop
    r1 = 0
l:
    r1 += 1
    if r1 < 10 goto l
    r0 = 0
    exit
