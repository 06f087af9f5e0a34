; type: sk_skb
; expect: accept
    call 7
    exit
