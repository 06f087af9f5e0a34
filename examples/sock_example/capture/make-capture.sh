#!/usr/bin/env bash
# Records loopback.pcap (ping/ICMP, one TCP connection, UDP datagrams on lo, captured by tcpdump) and counts.txt:
# how many frames carry TCP (6), UDP (17) and ICMP (1) in the byte the kernel's sock_example reads,
# ETH_HLEN + offsetof(struct iphdr, protocol) = 14 + 9 = 23, for every frame whatever its ethertype.
# Needs root, tcpdump, tshark and python3; runs in a private network namespace so only this traffic is captured.
set -euo pipefail
cd "$(dirname "$0")"
if [ -z "${SHARPBPF_IN_NETNS:-}" ]; then exec unshare --net env SHARPBPF_IN_NETNS=1 "$0" "$@"; fi
ip link set lo up

log=$(mktemp)
tcpdump -i lo -n -s 0 --immediate-mode -w loopback.pcap 2>"$log" & pid=$!
for _ in $(seq 50); do grep -q "listening on" "$log" && break; sleep 0.1; done
PINGS=5 UDP_DATAGRAMS=6 timeout 60 python3 ../../../tests/captures/loopback_traffic.py
sleep 1
kill -INT "$pid"; wait "$pid" || true
rm -f "$log"

# frame[23:1] only matches frames of at least 24 bytes, as BPF_LD_ABS aborts the program (no count) on shorter ones.
count() { tshark -r loopback.pcap -Y "frame[23:1] == $1" 2>/dev/null | wc -l; }
{
  echo "frames $(tshark -r loopback.pcap 2>/dev/null | wc -l)"
  echo "tcp $(count 06)"
  echo "udp $(count 11)"
  echo "icmp $(count 01)"
} > counts.txt
cat counts.txt
