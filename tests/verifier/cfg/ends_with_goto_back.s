; type: socket_filter
; expect: accept
    r0 = 0
l:
    r0 += 1
    if r0 > 3 goto e
    goto l
e:
    exit
