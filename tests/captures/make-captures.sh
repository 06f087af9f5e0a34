#!/usr/bin/env bash
# Regenerates the committed capture files in this folder from real loopback traffic.
# Needs root (or CAP_NET_RAW), tcpdump, dumpcap, editcap, text2pcap, tshark and python3. The tests only read the
# committed files and the *.tshark.txt listings written here, so they need none of these tools.
set -euo pipefail
cd "$(dirname "$0")"
export TZ=UTC
# Capture in a private network namespace so the files hold only the traffic made here, not whatever else uses lo.
if [ -z "${SHARPBPF_IN_NETNS:-}" ]; then exec unshare --net env SHARPBPF_IN_NETNS=1 "$0" "$@"; fi
ip link set lo up

wait_for() {  # wait until the capture tool's stderr shows it is listening
  local log=$1
  for _ in $(seq 50); do grep -qiE "listening on|capturing on" "$log" && return 0; sleep 0.1; done
  echo "capture did not start: $(cat "$log")" >&2; return 1
}

capture_with() {  # capture_with OUTPUT TOOL ARGS...: runs the tool while loopback_traffic.py generates traffic
  local out=$1; shift
  local log; log=$(mktemp)
  "$@" -w "$out" 2>"$log" & local pid=$!
  wait_for "$log"
  timeout 60 python3 loopback_traffic.py
  sleep 1
  kill -INT "$pid"; wait "$pid" || true
  rm -f "$log"
}

listing() {  # what tshark says about every record; the tests compare our reader with this
  tshark -r "$1" -T fields -E separator=/t -e frame.number -e frame.len -e frame.cap_len -e frame.time_epoch -e frame.interface_id 2>/dev/null > "$1.tshark.txt"
}

capture_with lo-ethernet.pcap tcpdump -i lo -n -s 0 --immediate-mode
capture_with lo-nano.pcap tcpdump -i lo -n -s 0 --immediate-mode --time-stamp-precision nano
capture_with any-sll2.pcap tcpdump -i any -n -s 0 --immediate-mode host 127.0.0.1
capture_with any-sll-snap96.pcap tcpdump -i any -n -s 96 --immediate-mode -y LINUX_SLL host 127.0.0.1
capture_with lo.pcapng dumpcap -q -i lo -s 0
capture_with two-interfaces.pcapng dumpcap -q -i lo -i any -f "host 127.0.0.1"
editcap -F pcapng lo-nano.pcap lo-nano.pcapng
cat lo.pcapng lo-nano.pcapng > two-sections.pcapng
python3 to_text2pcap.py lo-ethernet.pcap raw | text2pcap -q -F pcap -l 101 -t "%Y-%m-%d %H:%M:%S.%f" - raw.pcap
python3 to_text2pcap.py lo-ethernet.pcap null | text2pcap -q -l 0 -t "%Y-%m-%d %H:%M:%S.%f" - null.pcapng

for f in *.pcap *.pcapng; do listing "$f"; done
ls -l *.pcap *.pcapng
