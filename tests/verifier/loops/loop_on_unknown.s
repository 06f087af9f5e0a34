; type: socket_filter
; expect: reject * InfiniteLoop
    call 7
    r1 = r0
l:
    r1 += 1
    if r1 != 0 goto l
    r0 = 0
    exit
