#!/usr/bin/env python3
"""Where a slow HTTP request's time goes (issue 13's p99; a measurement, never a test).

Boots one guest with kernel-image/userland/netserve.c as netserve.py's benchmark does, records
every frame between QEMU's user network (slirp) and the card with the host's timestamps
(QEMU's filter-dump), runs N sequential curls and splits each connection at the card into
  handshake  SYN in -> SYN-ACK out    (the guest's work)
  slirp      SYN-ACK out -> request in (slirp's and curl's)
  answer     request in -> first response byte out (the guest's work)
printing percentiles of each and the request numbers whose phase took more than --slow ms.

usage: nettail.py --aurora-iso ISO [--init PATH] [--requests 600] [--slow 2] [--pcap FILE]
       nettail.py --linux-kernel VMLINUZ --linux-initrd CPIO ...   (the same for Linux)
"""
import argparse
import os
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netbench  # noqa: E402


def tcp_segments(path):
    """(host seconds, source port, destination port, flags, payload bytes) of each TCP/IPv4 frame."""
    data = open(path, "rb").read()
    nano = struct.unpack("<I", data[:4])[0] == 0xA1B23C4D
    at = 24
    while at + 16 <= len(data):
        seconds, fraction, length, _ = struct.unpack("<IIII", data[at:at + 16])
        frame = data[at + 16:at + 16 + length]
        at += 16 + length
        if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
            continue
        ihl = (frame[14] & 15) * 4
        total = struct.unpack(">H", frame[16:18])[0]
        tcp = frame[14 + ihl:]
        source, destination = struct.unpack(">HH", tcp[:4])
        offset = (tcp[12] >> 4) * 4
        yield seconds + fraction / (1e9 if nano else 1e6), source, destination, tcp[13], total - ihl - offset


def phases(path, port=8080):
    """{client port: (handshake, slirp, answer) seconds} for every complete exchange."""
    seen = {}
    for t, source, destination, flags, payload in tcp_segments(path):
        if destination == port:
            c = seen.setdefault(source, {})
            if flags & 2 and "syn" not in c: c["syn"] = t
            if payload and "request" not in c: c["request"] = t
        elif source == port:
            c = seen.setdefault(destination, {})
            if flags & 2 and "synack" not in c: c["synack"] = t
            if payload and "response" not in c: c["response"] = t
    return {p: (c["synack"] - c["syn"], c["request"] - c["synack"], c["response"] - c["request"])
            for p, c in seen.items() if len(c) == 4}


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aurora-iso")
    parser.add_argument("--linux-kernel")
    parser.add_argument("--linux-initrd")
    parser.add_argument("--init", default="/usr/libexec/aurora/netserve.elf",
                        help="netserve's path in the ISO (tools/netbench.sh's image has /netserve)")
    parser.add_argument("--nic", default="virtio-net-pci")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--slow", type=float, default=2.0, help="milliseconds")
    parser.add_argument("--pcap", default=os.path.join(tempfile.mkdtemp(), "nettail.pcap"))
    args = parser.parse_args()
    if args.aurora_iso:
        kernel, boot = "aurora", ["-cdrom", args.aurora_iso, "-fw_cfg", "name=opt/aurora/cmdline,string=init=" + args.init]
    else:
        kernel, boot = "linux", ["-kernel", args.linux_kernel, "-initrd", args.linux_initrd, "-append", "console=ttyS0 panic=-1 quiet"]
    guest = netbench.Guest(kernel, boot + ["-object", "filter-dump,id=dump0,netdev=net0,file=" + args.pcap], args.nic, args.pcap + ".serial.log")
    ports, totals = {}, []
    try:
        guest.wait_ready()
        for i in range(1, args.requests + 1):
            out = netbench.curl("-o", "/dev/null", "-w", "%{http_code} %{time_total} %{local_port}", guest.url("/")).split()
            if len(out) == 3 and out[0] == "200":
                totals.append(float(out[1]))
                ports[int(out[2])] = i
    finally:
        guest.stop()
    found = phases(args.pcap)
    print("%s: %d requests, curl time_total p50 %.2f ms, p99 %.2f ms (frames: %s)" % (
        kernel, len(totals), percentile(totals, 50) * 1e3, percentile(totals, 99) * 1e3, args.pcap))
    for index, name in enumerate(("handshake", "slirp", "answer")):
        values = [v[index] for p, v in found.items() if p in ports]
        slow = sorted(ports[p] for p, v in found.items() if p in ports and v[index] * 1e3 > args.slow)
        print("  %-9s p50 %.3f ms, p99 %.3f ms; over %g ms: %d, at requests %s" % (
            name, percentile(values, 50) * 1e3, percentile(values, 99) * 1e3, args.slow, len(slow), slow))


if __name__ == "__main__":
    main()
