#!/usr/bin/env python3
"""Host <-> guest TCP throughput through QEMU user networking (a measurement, not a test).

Listens on 127.0.0.1 (QEMU's user network shows it to the guest as 10.0.2.2), boots the test
ISO with test=hostnet.bulk_transfer_with_the_host, and serves kernel-image/userland/netbulk.c:
"down N" gets N pattern bytes (host -> guest), "up N" sends N (guest -> host); every byte is
checked on both sides. Prints the host's wall-clock time per direction and MB/s.

    components/net/bench/qemu-throughput.py [--iso artifacts/aurora-test.iso] [--bytes 10485760]
        [--nic e1000|virtio-net-pci] [--runs 3]
"""
import argparse
import socket
import subprocess
import threading
import time

FNV_OFFSET, FNV_PRIME, MASK = 1469598103934665603, 1099511628211, (1 << 64) - 1


def pattern(n):
    """The bytes netbulk.c expects: the top byte of a 64-bit LCG seeded with n."""
    out = bytearray(n)
    x = n
    for i in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & MASK
        out[i] = x >> 56
    return bytes(out)


_fnv_cache = {}


def fnv(data):
    """FNV-1a 64 (slow in Python: the digest of the expected pattern is computed once)."""
    key = (len(data), hash(bytes(data)))
    if key in _fnv_cache:
        return _fnv_cache[key]
    h = FNV_OFFSET
    for c in data:
        h = ((h ^ c) * FNV_PRIME) & MASK
    _fnv_cache[key] = h
    return h


def serve(listener, expected, results):
    for _ in range(2):
        conn, _ = listener.accept()
        start = time.monotonic()
        f = conn.makefile("rb")
        kind, n = f.readline().split()
        n = int(n)
        if kind == b"down":
            conn.sendall(expected)
            conn.shutdown(socket.SHUT_WR)
            answer = f.readline().decode().strip()
            took = time.monotonic() - start
            ok = answer == "ok %016x" % fnv(expected)
            results.append(("host -> guest", n, took, ok))
        else:
            got = bytearray()
            while len(got) < n:
                chunk = f.read1(1 << 20)
                if not chunk:
                    break
                got += chunk
            took = time.monotonic() - start
            ok = bytes(got) == expected
            conn.sendall(("ok %016x\n" % fnv(got)).encode())
            results.append(("guest -> host", n, took, ok))
        conn.close()


def run_once(args, expected):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    results = []
    server = threading.Thread(target=serve, args=(listener, expected, results), daemon=True)
    server.start()
    cmdline = f"test=hostnet.bulk_transfer_with_the_host net-bulk-port={port} net-bulk-bytes={args.bytes}"
    qemu = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-m", "256M", "-smp", "1", "-cdrom", args.iso,
            "-display", "none", "-serial", "stdio", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-netdev", "user,id=net0", "-device", f"{args.nic},netdev=net0,romfile=",
            "-fw_cfg", f"name=opt/aurora/cmdline,string={cmdline}"]
    out = subprocess.run(qemu, capture_output=True, timeout=600).stdout.decode(errors="replace")
    server.join(5)
    listener.close()
    lines = [l.strip() for l in out.splitlines() if "netbulk:" in l or "bulk_transfer" in l]
    return results, lines


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iso", default="artifacts/aurora-test.iso")
    p.add_argument("--bytes", type=int, default=10 * 1024 * 1024)
    p.add_argument("--nic", default="e1000")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    expected = pattern(args.bytes)
    fnv(expected)
    for run in range(args.runs):
        results, lines = run_once(args, expected)
        for direction, n, took, ok in results:
            print(f"run {run + 1}: {direction}: {n} bytes in {took:.2f} s = {n / took / 1e6:.1f} MB/s {'ok' if ok else 'MISMATCH'}")
        for l in lines:
            print(f"run {run + 1}: guest: {l}")


if __name__ == "__main__":
    main()
