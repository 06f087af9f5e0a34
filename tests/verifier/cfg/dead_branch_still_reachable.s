; note: reachability is a CFG property: a branch the verifier proves never taken is not unreachable code
; type: socket_filter
; expect: accept
    r0 = 0
    if r0 == 1 goto l
    exit
l:
    r0 = 1
    exit
