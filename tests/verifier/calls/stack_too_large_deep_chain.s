; note: frames round up to 32 bytes: 3 x 224 = 672 > 512
; type: socket_filter
; expect: reject * StackTooLarge
    *(u64 *)(r10 - 200) = 1
    call f
    r0 = 0
    exit
f:
    *(u64 *)(r10 - 200) = 1
    call g
    r0 = 0
    exit
g:
    *(u64 *)(r10 - 200) = 1
    r0 = 0
    exit
