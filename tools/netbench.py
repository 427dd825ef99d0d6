#!/usr/bin/env python3
"""Aurora's network against Debian's Linux in the same QEMU (./aurora bench --net; a measurement,
never a test). tools/netbench.sh prepares both guests; this boots them back to back, each with
kernel-image/userland/netserve.c as its server, and drives them from the host through QEMU's user
network (hostfwd), wall-clock:

  - 200 sequential HTTP requests, one curl process and one connection each (p50, p99)
  - 10 MiB guest -> host (curl GET /bytes/N) and host -> guest (curl POST /sink), MB/s
  - UDP echo round trip (200 datagrams, median)
  - 1,000 connections open at once, then a request on each (failures; must be 0)

usage: netbench.py --aurora-iso ISO --linux-kernel VMLINUZ --linux-initrd CPIO
                   [--runs 3] [--nic virtio-net-pci|e1000] [--out DIR] [--label VERSION]
Prints a Markdown table (medians over the runs; latencies pooled over the runs) with ratios
Aurora/Linux and the issue's targets; each boot's serial output stays in DIR.
"""
import argparse
import math
import os
import re
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BULK = 10 * 1024 * 1024
SEQUENTIAL = 200
UDP_PINGS = 200
CONCURRENT = 1000


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def say(text):
    print("\033[1;36m==>\033[0m " + text, file=sys.stderr, flush=True)


class Guest:
    """One QEMU boot with netserve listening behind hostfwd."""

    def __init__(self, kernel, args, nic, log):
        self.kernel, self.log = kernel, log
        self.http, self.udp = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
        netdev = "user,id=net0,hostfwd=tcp:127.0.0.1:%d-:8080,hostfwd=udp:127.0.0.1:%d-:7777" % (self.http, self.udp)
        cmd = ["qemu-system-x86_64", "-M", "q35", "-cpu", "max", "-m", "256M", "-smp", "1",
               "-display", "none", "-monitor", "none", "-serial", "file:" + log, "-no-reboot",
               "-netdev", netdev, "-device", nic + ",netdev=net0,romfile="] + args
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_ready(self, seconds=300):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("%s: QEMU ended during boot; see %s" % (self.kernel, self.log))
            try:
                with open(self.log, "rb") as f:
                    ready = b"netserve: ready" in f.read()
                # Listening is not yet reachable: the first requests after the line were
                # reset on Linux (its link still coming up); measure from the first answer.
                if ready and curl("-m", "5", "-o", "/dev/null", "-w", "%{http_code}", self.url("/")) == "200":
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.2)
        raise RuntimeError("%s: netserve not ready after %d s; see %s" % (self.kernel, seconds, self.log))

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.http, path)

    def stop(self):
        try:
            subprocess.run(["curl", "-s", "-m", "5", "-o", "/dev/null", self.url("/quit")], timeout=10)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)
        self.process.kill()
        self.process.wait()


def curl(*args):
    out = subprocess.run(["curl", "-s", "-m", "60"] + list(args), capture_output=True, text=True, timeout=90)
    return out.stdout


def sequential(guest):
    """Seconds per request, one new curl (and connection) each; None for a failed one."""
    times, failed = [], []
    for i in range(SEQUENTIAL):
        out = curl("-o", "/dev/null", "-w", "%{http_code} %{time_total}", guest.url("/")).split()
        ok = len(out) == 2 and out[0] == "200"
        times.append(float(out[1]) if ok else None)
        if not ok:
            failed.append("#%d: %s" % (i + 1, " ".join(out) or "no output"))
    if failed:
        say("  sequential requests that failed (HTTP code, seconds): %s" % ", ".join(failed))
    return times


def download(guest):
    size, speed = curl("-o", "/dev/null", "-w", "%{size_download} %{speed_download}", guest.url("/bytes/%d" % BULK)).split()
    return float(speed) / 1e6 if int(size) == BULK else None


def upload(guest, path):
    body, speed = curl("-H", "Expect:", "--data-binary", "@" + path, "-w", " %{speed_upload}", guest.url("/sink")).split()
    return float(speed) / 1e6 if body == str(BULK) else None


def udp_echo(guest):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    times = []
    for i in range(UDP_PINGS):
        message = b"ping %d" % i
        start = time.perf_counter()
        s.sendto(message, ("127.0.0.1", guest.udp))
        try:
            while True:
                data, _ = s.recvfrom(2048)
                if data == message:
                    times.append(time.perf_counter() - start)
                    break
        except socket.timeout:
            times.append(None)
    s.close()
    return times


def concurrent(guest, deadline_s=300):
    """Opens CONCURRENT connections one after another, each sending the first line of its request
    at once (so the server holds it open, waiting for the rest of the header), then, with all of
    them open, ends every request and reads every answer to its end. One at a time because
    QEMU's user network accepts forwarded connections with a listen backlog of 1: a burst of
    1,000 SYNs would mostly be dropped by the host's own kernel and retried seconds later, on
    any guest; a pause of 5 ms after each keeps that queue from overflowing most of the time.
    Returns (failures, seconds, connections the server held open at once)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = CONCURRENT + 64
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(want, soft)), hard))
    start = time.monotonic()
    deadline = start + deadline_s
    live, failures, reasons = [], 0, {}
    for _ in range(CONCURRENT):
        s = socket.socket()
        s.settimeout(30)
        try:
            s.connect(("127.0.0.1", guest.http))
            s.sendall(b"GET / HTTP/1.0\r\n")
            s.setblocking(False)
            live.append(s)
        except OSError as e:
            failures += 1
            reasons[type(e).__name__] = reasons.get(type(e).__name__, 0) + 1
            s.close()
        time.sleep(0.005)  # QEMU accepts one at a time; see above
    # QEMU's user network connects each to the guest in its own time: wait until the server
    # holds them all, or until that number has not grown for 30 s.
    open_now, grew = -1, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - grew < 30:
        words = curl("-m", "10", guest.url("/stats")).split()
        if len(words) > 1 and words[0] == "open" and int(words[1]) - 1 > open_now:
            open_now = int(words[1]) - 1  # the /stats connection itself is open too
            grew = time.monotonic()
            if open_now >= len(live):
                break
        time.sleep(2)
    deadline = time.monotonic() + 120
    selector = selectors.DefaultSelector()
    answers = {}
    for s in live:
        try:
            s.send(b"\r\n")
            answers[s] = b""
            selector.register(s, selectors.EVENT_READ)
        except OSError:
            failures += 1
            s.close()
    while answers and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = None
            if data:
                answers[s] += data
                continue
            ok = data is not None and answers[s].startswith(b"HTTP/1.0 200") and answers[s].endswith(b"hello\n")
            if not ok:
                failures += 1
                why = "reset" if data is None else "closed without a whole answer"
                reasons[why] = reasons.get(why, 0) + 1
            selector.unregister(s)
            del answers[s]
            s.close()
    failures += len(answers)
    if answers:
        reasons["no answer in time"] = len(answers)
    for s in answers:
        s.close()
    selector.close()
    if reasons:
        say("  concurrent connections that failed, by why: %s" % reasons)
    return failures, time.monotonic() - start, open_now


def measure(guest, upload_file, transfers):
    result = {"seq": sequential(guest), "down": [], "up": []}
    for _ in range(transfers):
        result["down"].append(download(guest))
        result["up"].append(upload(guest, upload_file))
    result["udp"] = udp_echo(guest)
    result["conc"], result["conc_s"], _ = concurrent(guest)
    return result


def percentile(values, p):
    ok = sorted(v for v in values if v is not None)
    if not ok:
        return None
    return ok[max(0, math.ceil(p / 100 * len(ok)) - 1)]


def summarize(runs):
    seq = [t for r in runs for t in r["seq"]]
    udp = [t for r in runs for t in r["udp"]]
    down = [v for r in runs for v in r["down"] if v is not None]
    up = [v for r in runs for v in r["up"] if v is not None]
    return {
        "p50": percentile(seq, 50), "p99": percentile(seq, 99), "seq_failed": sum(t is None for t in seq),
        "down": statistics.median(down) if down else None, "up": statistics.median(up) if up else None,
        "bulk_failed": sum(v is None for r in runs for v in r["down"] + r["up"]),
        "udp": percentile(udp, 50), "udp_lost": sum(t is None for t in udp),
        "conc": max(r["conc"] for r in runs), "conc_s": statistics.median(r["conc_s"] for r in runs),
        "conc_open": min(r["conc_open"] for r in runs),
        "runs": len(runs), "transfers": sum(len(r["down"]) + len(r["up"]) for r in runs),
    }


def table(a, l, label, nic):
    def ms(v):
        return "-" if v is None else "%.2f ms" % (v * 1000)

    def mbs(v):
        return "-" if v is None else "%.1f MB/s" % v

    def ratio(x, y):
        return "-" if x is None or y is None or y == 0 else "%.2f" % (x / y)

    rows = [
        ("HTTP request, host curl, p50 (200 sequential)", ms(a["p50"]), ms(l["p50"]), ratio(a["p50"], l["p50"]), "≤ 1.5"),
        ("HTTP request, host curl, p99 (200 sequential)", ms(a["p99"]), ms(l["p99"]), ratio(a["p99"], l["p99"]), "≤ 1.5"),
        ("10 MiB guest → host (GET)", mbs(a["down"]), mbs(l["down"]), ratio(a["down"], l["down"]), "≥ 1.0"),
        ("10 MiB host → guest (POST)", mbs(a["up"]), mbs(l["up"]), ratio(a["up"], l["up"]), "≥ 1.0"),
        ("UDP echo round trip (median)", ms(a["udp"]), ms(l["udp"]), ratio(a["udp"], l["udp"]), "≤ 1.5"),
        ("1,000 concurrent connections, epoll: failures", str(a["conc"]), str(l["conc"]), "", "0"),
        ("  held open by the server at once (fewest of the runs)", str(a["conc_open"]), str(l["conc_open"]), "", "1,000"),
    ]
    lines = ["| %s, QEMU user network | Aurora | Linux %s | ratio | target |" % (nic, label), "|---|---:|---:|---:|---:|"]
    lines += ["| %s | %s | %s | %s | %s |" % row for row in rows]
    lines.append("")
    for name, s in (("Aurora", a), ("Linux", l)):
        lines.append("%s: %d runs; %d of %d requests failed, %d of %d transfers failed, %d of %d datagrams lost; the 1,000 connections took %.1f s (median)."
                     % (name, s["runs"], s["seq_failed"], SEQUENTIAL * s["runs"], s["bulk_failed"], s["transfers"], s["udp_lost"], UDP_PINGS * s["runs"], s["conc_s"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aurora-iso", required=True)
    parser.add_argument("--linux-kernel", required=True)
    parser.add_argument("--linux-initrd", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--transfers", type=int, default=3, help="10 MiB transfers each way per boot")
    parser.add_argument("--nic", default="virtio-net-pci")
    parser.add_argument("--out", default=".")
    parser.add_argument("--label", default="")
    parser.add_argument("--only", choices=["aurora", "linux"], help="boot one kernel only (for profiling)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    upload_file = os.path.join(tempfile.mkdtemp(), "upload.bin")
    with open(upload_file, "wb") as f:
        f.write(os.urandom(BULK))
    kernels = {
        "aurora": ["-cdrom", args.aurora_iso, "-fw_cfg", "name=opt/aurora/cmdline,string=init=/netserve"],
        "linux": ["-kernel", args.linux_kernel, "-initrd", args.linux_initrd, "-append", "console=ttyS0 panic=-1 quiet"],
    }
    results = {"aurora": [], "linux": []}
    for run in range(1, args.runs + 1):
        for kernel in ("aurora", "linux"):
            if args.only and kernel != args.only:
                continue
            log = os.path.join(args.out, "net-%s-%d.log" % (kernel, run))
            say("run %d/%d: %s (%s)" % (run, args.runs, kernel, args.nic))
            guest = Guest(kernel, kernels[kernel], args.nic, log)
            r = None
            try:
                guest.wait_ready()
                r = measure(guest, upload_file, args.transfers)
            except Exception as e:  # a run that fails says so and the others still count
                say("  %s failed: %s" % (kernel, e))
            finally:
                guest.stop()
            if r is None:
                continue
            # The server's own count, printed as it quits: connections it held open at once.
            with open(log, "rb") as f:
                peak = re.search(rb"at most (\d+) open at once", f.read())
            # (The /stats request asked while all are held is one more: not counted.)
            r["conc_open"] = min(int(peak.group(1)), CONCURRENT) if peak else -1
            results[kernel].append(r)
            p50, udp = percentile(r["seq"], 50), percentile(r["udp"], 50)
            say("  p50 %s ms, down %s, up %s MB/s, udp %s ms, %d concurrent failures (%d held at once)" % (
                "%.2f" % (p50 * 1000) if p50 else "-", r["down"], r["up"], "%.2f" % (udp * 1000) if udp else "-",
                r["conc"], r["conc_open"]))
    os.unlink(upload_file)
    empty = {"p50": None, "p99": None, "seq_failed": 0, "down": None, "up": None, "bulk_failed": 0, "udp": None,
             "udp_lost": 0, "conc": "-", "conc_s": 0.0, "conc_open": "-", "runs": 0, "transfers": 0}
    a = summarize(results["aurora"]) if results["aurora"] else empty
    l = summarize(results["linux"]) if results["linux"] else empty
    print(table(a, l, args.label, args.nic))


if __name__ == "__main__":
    main()
