; note: helper results are 64-bit unknowns: the signed minimum is unbounded
; type: cgroup_skb
; expect: reject 2 InvalidReturnValue
    call 7
    if r0 s> 1 goto fix
    exit
fix:
    r0 = 1
    exit
