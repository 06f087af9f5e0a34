; type: socket_filter
; kernel: skip
; expect: reject 0 InvalidHelperCall
    call btf 0x7
    r0 = 0
    exit
