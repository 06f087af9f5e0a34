; type: socket_filter
; expect: reject * TooComplex
    r0 = 0
    r1 = 0
outer:
    r2 = 0
inner:
    r0 += 1
    r2 += 1
    if r2 < 1000 goto inner
    r1 += 1
    if r1 < 1000 goto outer
    exit
