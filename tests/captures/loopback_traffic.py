#!/usr/bin/env python3
"""Generates a small, bounded burst of loopback traffic on 127.0.0.1 for the capture scripts:
ICMP echo (ping, or a raw-socket echo when ping is not installed), one HTTP/TCP exchange and UDP datagrams."""
import http.server, os, shutil, socket, struct, subprocess, sys, threading, time

PINGS = int(os.environ.get("PINGS", "5"))
UDP_DATAGRAMS = int(os.environ.get("UDP_DATAGRAMS", "4"))

def checksum(data: bytes) -> int:
    if len(data) % 2: data += b"\0"
    total = sum(struct.unpack(f"!{len(data)//2}H", data))
    while total >> 16: total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF

def icmp_echo(count: int) -> None:
    if shutil.which("ping"):
        subprocess.run(["ping", "-c", str(count), "-i", "0.2", "127.0.0.1"], check=True, stdout=subprocess.DEVNULL)
        return
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
        s.settimeout(2)
        for seq in range(1, count + 1):
            payload = bytes(range(56))
            header = struct.pack("!BBHHH", 8, 0, 0, os.getpid() & 0xFFFF, seq)
            header = struct.pack("!BBHHH", 8, 0, checksum(header + payload), os.getpid() & 0xFFFF, seq)
            s.sendto(header + payload, ("127.0.0.1", 0))
            s.recvfrom(2048)  # our own request, then the kernel's reply
            s.recvfrom(2048)
            time.sleep(0.2)

class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args): pass

def tcp_exchange() -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.handle_request, daemon=True).start()
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=5) as c:
        c.sendall(b"GET /no-such-file HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        while c.recv(4096): pass
    server.server_close()

def udp_datagrams(count: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(2)
        for i in range(count):
            sender.sendto(f"sharpbpf datagram {i}".encode(), receiver.getsockname())
            receiver.recvfrom(2048)

if __name__ == "__main__":
    icmp_echo(PINGS)
    tcp_exchange()
    udp_datagrams(UDP_DATAGRAMS)
