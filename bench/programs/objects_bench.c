/* Map and ring-buffer workloads for bench/SharpBpf.Benchmarks/ObjectBenchmarks.cs. Only .text: every function is a
 * raw-memory program; r1 points to a struct bench_args giving the number of operations per run. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bench_args {
    __u32 count;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} bench_array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} bench_hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 20);
} bench_ring SEC(".maps");

struct record {
    __u64 sequence;
    __u64 payload;
};

int array_lookups(struct bench_args *args, unsigned long length)
{
    __u64 sum = 0;
    __u32 count = args->count;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < count; i++) {
        __u32 key = i & 1023;
        __u64 *value = bpf_map_lookup_elem(&bench_array, &key);
        if (value)
            sum += *value;
    }
    return sum;
}

int hash_lookups(struct bench_args *args, unsigned long length)
{
    __u64 sum = 0;
    __u32 count = args->count;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < count; i++) {
        __u32 key = (i * 2654435761u) & 1023;
        __u64 *value = bpf_map_lookup_elem(&bench_hash, &key);
        if (value)
            sum += *value;
    }
    return sum;
}

int hash_updates(struct bench_args *args, unsigned long length)
{
    __u32 count = args->count;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < count; i++) {
        __u32 key = (i * 2654435761u) & 1023;
        __u64 value = i;
        bpf_map_update_elem(&bench_hash, &key, &value, BPF_ANY);
    }
    return count;
}

int ringbuf_records(struct bench_args *args, unsigned long length)
{
    __u32 count = args->count, written = 0;
#pragma clang loop unroll(disable)
    for (__u32 i = 0; i < count; i++) {
        struct record r = { .sequence = i, .payload = i * 3 };
        if (bpf_ringbuf_output(&bench_ring, &r, sizeof(r), 0) == 0)
            written++;
    }
    return written;
}
