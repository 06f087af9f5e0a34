; note: Linux reports this as a call stack of 9 frames at instruction 2
; type: socket_filter
; expect: reject * Recursion
    call f
    exit
f:
    call f
    exit
