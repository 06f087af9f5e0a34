; type: socket_filter
; expect: reject 3 FallOffEnd
    r0 = 0
    if r1 == 0 goto l
    exit
l:
    r0 = 1
