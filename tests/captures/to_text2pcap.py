#!/usr/bin/env python3
"""Turns an Ethernet pcap into text2pcap input whose packets start at the IP header (for LINKTYPE_RAW) or
with a 4-byte little-endian address family (for LINKTYPE_NULL), so those link types are written by text2pcap."""
import datetime, struct, sys

source, mode = sys.argv[1], sys.argv[2]  # mode: raw | null
with open(source, "rb") as f:
    data = f.read()
magic = struct.unpack("<I", data[:4])[0]
assert magic in (0xA1B2C3D4, 0xA1B23C4D), "expects a little-endian pcap"
nano = magic == 0xA1B23C4D
offset = 24
while offset + 16 <= len(data):
    seconds, fraction, captured, _ = struct.unpack("<IIII", data[offset:offset + 16])
    frame = data[offset + 16:offset + 16 + captured]
    offset += 16 + captured
    ethertype = int.from_bytes(frame[12:14], "big")
    if ethertype not in (0x0800, 0x86DD):
        continue
    packet = frame[14:]
    if mode == "null":
        packet = struct.pack("<I", 2 if ethertype == 0x0800 else 10) + packet
    micros = fraction // 1000 if nano else fraction
    stamp = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp}.{micros:06d}")
    for line in range(0, len(packet), 16):
        print(f"{line:04x}  " + " ".join(f"{b:02x}" for b in packet[line:line + 16]))
    print()
