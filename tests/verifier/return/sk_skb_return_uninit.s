; type: sk_skb
; expect: reject 0 UninitializedRegister
    exit
