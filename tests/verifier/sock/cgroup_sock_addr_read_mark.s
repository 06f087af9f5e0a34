; type: cgroup_sock_addr
; expect: accept
    r2 = *(u64 *)(r1 + 64)
    r0 = *(u32 *)(r2 + 16)
out:
    r0 = 1
    exit
