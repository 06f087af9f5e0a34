; type: socket_filter
; expect: reject 3 JumpOutOfRange
    call f
back:
    exit
f:
    r0 = 1
    goto back
