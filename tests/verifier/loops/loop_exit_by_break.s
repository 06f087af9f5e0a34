; type: socket_filter
; expect: accept
    r1 = 0
l:
    r1 += 1
    if r1 == 7 goto done
    goto l
done:
    r0 = r1
    exit
