#!/usr/bin/python3
"""A DHCP client for timing: DISCOVER every --interval seconds (100 ms) until an OFFER for this MAC comes, then
REQUEST until the ACK; prints "ack <unix time> <yiaddr>" and exits 0 (or "timeout" and exits 1 after --timeout s).

Real clients back off (udhcpc: 1 s at best, dhclient: 1-2 s growing), which would make "time from `openstack port
create` to the VM's address" a measure of the client. This one asks ten times a second, so the figure is Neutron's
plus the server's. It speaks on an AF_PACKET socket of the interface (the VM has no address yet), asks for
broadcast replies and only counts replies to its own xid. Run it inside the VM's namespace:
  dhcp-probe.py eth0 fa:16:3e:aa:00:01 [--interval 0.1] [--timeout 60]
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def frame(mac: bytes, payload: bytes) -> bytes:
    udp_len = 8 + len(payload)
    udp = struct.pack("!HHHH", 68, 67, udp_len, 0) + payload  # UDP checksum 0: none (allowed over IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0, b"\0\0\0\0", b"\xff\xff\xff\xff")
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\xff" * 6 + mac + struct.pack("!H", ETH_P_IP) + ip + udp


def bootp(mac: bytes, xid: int, msg_type: int, extra: bytes = b"") -> bytes:
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                       b"\0" * 4, mac + b"\0" * 10, b"\0" * 64, b"\0" * 128)
    opts = b"\x63\x82\x53\x63" + bytes([53, 1, msg_type]) + bytes([61, 7, 1]) + mac
    opts += bytes([55, 6, 1, 3, 6, 12, 15, 26]) + extra + b"\xff"
    return head + opts + b"\0" * max(0, 300 - len(head) - len(opts))


def parse(packet: bytes, xid: int):
    """(message type, yiaddr, server id) of a BOOTREPLY with our xid in an IPv4/UDP packet to port 68, else None."""
    if len(packet) < 28 or packet[0] >> 4 != 4:
        return None
    ihl = (packet[0] & 0xF) * 4
    if packet[9] != 17 or len(packet) < ihl + 8 + 240:
        return None
    sport, dport = struct.unpack("!HH", packet[ihl:ihl + 4])
    if dport != 68:
        return None
    b = packet[ihl + 8:]
    if b[0] != 2 or struct.unpack("!I", b[4:8])[0] != xid or b[236:240] != b"\x63\x82\x53\x63":
        return None
    yiaddr = socket.inet_ntoa(b[16:20])
    i, mtype, sid = 240, None, None
    while i < len(b) and b[i] != 255:
        if b[i] == 0:
            i += 1
            continue
        code, ln = b[i], b[i + 1]
        val = b[i + 2:i + 2 + ln]
        if code == 53:
            mtype = val[0]
        elif code == 54:
            sid = val
        i += 2 + ln
    return mtype, yiaddr, sid


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("interface")
    ap.add_argument("mac")
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    mac = bytes.fromhex(a.mac.replace(":", ""))
    xid = int.from_bytes(os.urandom(4), "big")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    s.bind((a.interface, ETH_P_IP))
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((a.interface, 0))
    discover = frame(mac, bootp(mac, xid, 1))
    request = None
    end = time.monotonic() + a.timeout
    next_send = 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_send:
            raw.send(request or discover)
            next_send = now + a.interval
        ready, _, _ = select.select([s], [], [], max(0.0, min(next_send, end) - time.monotonic()))
        if not ready:
            continue
        got = parse(s.recv(2048), xid)
        if got is None:
            continue
        mtype, yiaddr, sid = got
        if mtype == 2 and request is None:  # OFFER: request it from that server, at once
            extra = bytes([50, 4]) + socket.inet_aton(yiaddr) + (bytes([54, 4]) + sid if sid else b"")
            request = frame(mac, bootp(mac, xid, 3, extra))
            next_send = 0.0
        elif mtype == 5 and request is not None:  # ACK
            print("ack %.3f %s" % (time.time(), yiaddr))
            return 0
        elif mtype == 6:  # NAK: start over
            request = None
    print("timeout")
    return 1


if __name__ == "__main__":
    sys.exit(main())
