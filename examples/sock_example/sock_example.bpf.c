/* The kernel's samples/bpf/sock_example.c program, in C: count every packet by the byte where an IPv4 header
 * keeps its protocol (Ethernet header + 9), in an array of 256 counters. Built by build.sh. */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

/* BPF_LD_ABS: a legacy packet load that ends the program (returning 0) when the packet is too short. */
unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 256);
    __type(key, __u32);
    __type(value, __u64);
} my_map SEC(".maps");

SEC("socket")
int sock_example(struct __sk_buff *skb)
{
    __u32 index = load_byte(skb, ETH_HLEN + offsetof(struct iphdr, protocol));
    __u64 *value = bpf_map_lookup_elem(&my_map, &index);
    if (value)
        __sync_fetch_and_add(value, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
