; type: socket_filter
; expect: reject 0 JumpOutOfRange
    if r1 == 0 goto inside
    call f
    exit
f:
    r0 = 1
inside:
    r0 = 2
    exit
