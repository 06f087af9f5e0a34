; type: socket_filter
; expect: reject * InfiniteLoop
    r0 = 0
l:
    goto l
