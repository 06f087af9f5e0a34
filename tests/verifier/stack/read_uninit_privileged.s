; note: Linux lets CAP_PERFMON programs read uninitialised stack (allow_uninit_stack)
; type: socket_filter
; expect: accept
    r0 = *(u64 *)(r10 - 8)
    exit
