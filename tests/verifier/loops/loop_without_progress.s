; type: socket_filter
; expect: reject * InfiniteLoop
    r1 = 0
l:
    if r1 < 10 goto l
    r0 = 0
    exit
