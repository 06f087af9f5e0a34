; type: cgroup_sock_addr
; expect: reject 1 OutOfBoundsAccess
    r2 = *(u64 *)(r1 + 64)
    r0 = *(u32 *)(r2 + 80)
out:
    r0 = 1
    exit
