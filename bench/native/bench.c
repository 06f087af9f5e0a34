/*
 * SharpBpf native-comparison benchmarks. One source, compiled two ways by build.sh:
 *   clang-19 -O2 -target bpf -c   -> bench.bpf.o (committed; run by SharpBpf's JIT and interpreter)
 *   gcc -O2 -shared -fPIC         -> out/libsharpbpf_native_bench.so (called from C# through function pointers)
 * Every benchmark is `u64 name(u8 *buf, u64 len)`: eBPF gets r1 = buffer, r2 = length (the raw memory program
 * type). Inputs come from the buffer, so neither compiler can fold the work away.
 */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;

#ifdef __bpf__
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#define BENCH(name) SEC("bench/" #name) u64 name(u8 *buf, u64 len)
#else
#define BENCH(name) u64 name(u8 *buf, u64 len)
#endif

/* Sum of floor(log2(x)) over an array of u32 (branchy binary search, no builtins). */
BENCH(bench_log2)
{
    u32 *a = (u32 *)buf;
    u64 n = len / 4, sum = 0;
    for (u64 i = 0; i < n; i++) {
        u32 v = a[i];
        u32 r = 0;
        if (v >> 16) { v >>= 16; r += 16; }
        if (v >> 8) { v >>= 8; r += 8; }
        if (v >> 4) { v >>= 4; r += 4; }
        if (v >> 2) { v >>= 2; r += 2; }
        if (v >> 1) { r += 1; }
        sum += r;
    }
    return sum;
}

/* Number of primes below the limit in the first word, by trial division. */
BENCH(bench_primes)
{
    u32 limit = *(u32 *)buf;
    u64 count = 0;
    for (u32 n = 2; n < limit; n++) {
        int prime = 1;
        for (u32 d = 2; d * d <= n; d++) {
            if (n % d == 0) { prime = 0; break; }
        }
        count += prime;
    }
    return count;
}

/* Byte-wise copy of the first half of the buffer into the second half. */
BENCH(bench_memcpy)
{
    u64 half = len / 2;
    volatile u8 *dst = buf + half; /* volatile: a byte loop, not a call to memcpy */
    u8 *src = buf;
    for (u64 i = 0; i < half; i++) dst[i] = src[i];
    return buf[len - 1];
}

/* strcmp of the two NUL-terminated halves of the buffer (equal until the last byte). */
BENCH(bench_strcmp)
{
    const u8 *a = buf, *b = buf + len / 2;
    while (*a && *a == *b) { a++; b++; }
    return (u64)(long long)((int)*a - (int)*b);
}

#define CASE(k, expr) case k: acc = expr; break;
/* A 64-case switch over an int array. */
BENCH(bench_switch)
{
    u32 *a = (u32 *)buf;
    u64 n = len / 4, acc = 1;
    for (u64 i = 0; i < n; i++) {
        u32 v = a[i];
        switch (v & 63) {
        CASE(0, acc + v) CASE(1, acc ^ v) CASE(2, acc * 3) CASE(3, acc - v) CASE(4, acc + 7) CASE(5, acc | v)
        CASE(6, acc >> 1) CASE(7, acc << 1) CASE(8, acc + 11) CASE(9, acc ^ 0x55) CASE(10, acc * 5) CASE(11, acc - 13)
        CASE(12, acc + (v >> 3)) CASE(13, acc ^ (v << 2)) CASE(14, acc + 17) CASE(15, acc * 7) CASE(16, acc - 19)
        CASE(17, acc + 23) CASE(18, acc ^ 0xaa) CASE(19, acc * 9) CASE(20, acc - 29) CASE(21, acc + 31) CASE(22, acc ^ 37)
        CASE(23, acc * 11) CASE(24, acc - 41) CASE(25, acc + 43) CASE(26, acc ^ 47) CASE(27, acc * 13) CASE(28, acc - 53)
        CASE(29, acc + 59) CASE(30, acc ^ 61) CASE(31, acc * 15) CASE(32, acc - 67) CASE(33, acc + 71) CASE(34, acc ^ 73)
        CASE(35, acc * 17) CASE(36, acc - 79) CASE(37, acc + 83) CASE(38, acc ^ 89) CASE(39, acc * 19) CASE(40, acc - 97)
        CASE(41, acc + 101) CASE(42, acc ^ 103) CASE(43, acc * 21) CASE(44, acc - 109) CASE(45, acc + 113) CASE(46, acc ^ 127)
        CASE(47, acc * 23) CASE(48, acc - 131) CASE(49, acc + 137) CASE(50, acc ^ 139) CASE(51, acc * 25) CASE(52, acc - 149)
        CASE(53, acc + 151) CASE(54, acc ^ 157) CASE(55, acc * 27) CASE(56, acc - 163) CASE(57, acc + 167) CASE(58, acc ^ 173)
        CASE(59, acc * 29) CASE(60, acc - 179) CASE(61, acc + 181) CASE(62, acc ^ 191) CASE(63, acc * 31)
        }
    }
    return acc;
}

/* Bitwise CRC-32 (IEEE, reflected) of the buffer. */
BENCH(bench_crc32)
{
    u32 crc = 0xffffffff;
    for (u64 i = 0; i < len; i++) {
        crc ^= buf[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
    return ~crc;
}

/* Bubble sort of the u32 array in the buffer; returns a checksum of the sorted array. */
BENCH(bench_bubble)
{
    u32 *a = (u32 *)buf;
    u64 n = len / 4;
    for (u64 i = 0; i + 1 < n; i++) {
        for (u64 j = 0; j + 1 < n - i; j++) {
            u32 x = a[j], y = a[j + 1];
            if (x > y) { a[j] = y; a[j + 1] = x; }
        }
    }
    u64 sum = 0;
    for (u64 i = 0; i < n; i++) sum = sum * 31 + a[i];
    return sum;
}

static inline u16 load_be16(const u8 *p) { return (u16)((p[0] << 8) | p[1]); }

/*
 * Packet parser: the buffer is a sequence of records (u16 length, then an Ethernet frame). Counts IPv4/IPv6
 * TCP and UDP packets to port 53 or 80 and sums their payload lengths, as a firewall or flow counter would.
 */
BENCH(bench_packets)
{
    u64 off = 0, hits = 0, bytes = 0, other = 0;
    while (off + 2 <= len) {
        u64 size = buf[off] | (buf[off + 1] << 8);
        const u8 *p = buf + off + 2;
        off += 2 + size;
        if (off > len || size < 14) break;
        u16 proto = load_be16(p + 12);
        const u8 *l4;
        u8 next;
        u64 rest;
        if (proto == 0x0800) {
            if (size < 34) { other++; continue; }
            u64 ihl = (p[14] & 15) * 4;
            if (ihl < 20 || 14 + ihl + 8 > size) { other++; continue; }
            next = p[23];
            l4 = p + 14 + ihl;
            rest = size - 14 - ihl;
        } else if (proto == 0x86dd) {
            if (size < 14 + 40 + 8) { other++; continue; }
            next = p[20];
            l4 = p + 54;
            rest = size - 54;
        } else { other++; continue; }
        u16 dport = load_be16(l4 + 2);
        if (next == 6) {
            if (rest < 20) { other++; continue; }
            u64 doff = (l4[12] >> 4) * 4;
            if ((dport == 80 || dport == 443) && doff <= rest) { hits++; bytes += rest - doff; }
        } else if (next == 17) {
            if (dport == 53) { hits++; bytes += rest - 8; }
        } else other++;
    }
    return hits << 40 | bytes << 8 | (other & 255);
}

/* Hash-map lookups: the buffer is an array of u32 keys; sums the values found. */
#ifdef __bpf__
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, u32);
    __type(value, u64);
} table SEC(".maps");

BENCH(bench_hash)
{
    u32 *keys = (u32 *)buf;
    u64 n = len / 4, sum = 0;
    for (u64 i = 0; i < n; i++) {
        u32 key = keys[i];
        u64 *value = bpf_map_lookup_elem(&table, &key);
        if (value) sum += *value;
    }
    return sum;
}
#else
/* The native counterpart: an open-addressing (linear probing) table filled by hash_insert. */
#define TABLE_SLOTS 16384
static u32 table_keys[TABLE_SLOTS];
static u64 table_values[TABLE_SLOTS];
static u8 table_used[TABLE_SLOTS];

static inline u32 slot_of(u32 key) { return (key * 2654435761u) & (TABLE_SLOTS - 1); }

void hash_clear(void)
{
    for (u32 i = 0; i < TABLE_SLOTS; i++) table_used[i] = 0;
}

void hash_insert(u32 key, u64 value)
{
    u32 s = slot_of(key);
    while (table_used[s] && table_keys[s] != key) s = (s + 1) & (TABLE_SLOTS - 1);
    table_used[s] = 1;
    table_keys[s] = key;
    table_values[s] = value;
}

static inline const u64 *hash_lookup(u32 key)
{
    u32 s = slot_of(key);
    while (table_used[s]) {
        if (table_keys[s] == key) return &table_values[s];
        s = (s + 1) & (TABLE_SLOTS - 1);
    }
    return 0;
}

BENCH(bench_hash)
{
    u32 *keys = (u32 *)buf;
    u64 n = len / 4, sum = 0;
    for (u64 i = 0; i < n; i++) {
        const u64 *value = hash_lookup(keys[i]);
        if (value) sum += *value;
    }
    return sum;
}
#endif

#ifdef __bpf__
char LICENSE[] SEC("license") = "GPL";
#endif
