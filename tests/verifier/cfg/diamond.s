; type: socket_filter
; expect: accept
    call 7
    if r0 > 5 goto a
    r0 = 1
    goto j
a:
    r0 = 2
j:
    exit
