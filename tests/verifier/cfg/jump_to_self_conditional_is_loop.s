; type: socket_filter
; expect: reject * InfiniteLoop
    r0 = 0
l:
    if r0 == 0 goto l
    exit
