; type: socket_filter
; expect: accept
    call 7
    if r0 == 0 goto e
    if r0 == 1 goto e
    if r0 == 2 goto e
    if r0 == 3 goto e
    if r0 == 4 goto e
    if r0 == 5 goto e
    if r0 == 6 goto e
    if r0 == 7 goto e
    if r0 == 8 goto e
    if r0 == 9 goto e
    if r0 == 10 goto e
    if r0 == 11 goto e
    if r0 == 12 goto e
    if r0 == 13 goto e
    if r0 == 14 goto e
    if r0 == 15 goto e
    if r0 == 16 goto e
    if r0 == 17 goto e
    if r0 == 18 goto e
    if r0 == 19 goto e
    if r0 == 20 goto e
    if r0 == 21 goto e
    if r0 == 22 goto e
    if r0 == 23 goto e
    if r0 == 24 goto e
    if r0 == 25 goto e
    if r0 == 26 goto e
    if r0 == 27 goto e
    if r0 == 28 goto e
    if r0 == 29 goto e
    if r0 == 30 goto e
    if r0 == 31 goto e
    if r0 == 32 goto e
    if r0 == 33 goto e
    if r0 == 34 goto e
    if r0 == 35 goto e
    if r0 == 36 goto e
    if r0 == 37 goto e
    if r0 == 38 goto e
    if r0 == 39 goto e
    if r0 == 40 goto e
    if r0 == 41 goto e
    if r0 == 42 goto e
    if r0 == 43 goto e
    if r0 == 44 goto e
    if r0 == 45 goto e
    if r0 == 46 goto e
    if r0 == 47 goto e
    if r0 == 48 goto e
    if r0 == 49 goto e
    r0 = 0
e:
    exit
