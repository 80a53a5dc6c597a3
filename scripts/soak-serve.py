#!/usr/bin/env python3
"""Soak of `gwdoctor serve` on loopback: hostile connections (slow headers, idle, half-open) held
from many 127.1.x.y source addresses, reopened as the server closes them, while checks of a mix of
failing and healthy loopback upstreams run at a steady rate and a clean client asks /healthz.
Prints, every 10 s and at the end, p99 of /healthz and of a check, the server's resident memory
and open descriptors. Bounded: it stops by itself after --seconds (600 by default).

    python3 scripts/soak-serve.py --gwdoctor target/release/gwdoctor [--seconds 600]
"""

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import tempfile
import time

HEALTHY = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
FAILING = (b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n"
           b"Content-Length: 53\r\nConnection: close\r\n\r\n"
           b"<html><center>nginx/1.22.1</center>502 Bad Gateway\r\n")


async def upstream(answer):
    async def serve(reader, writer):
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server.sockets[0].getsockname()[1]


def p99(samples):
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def server_usage(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) // 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


async def request(port, path, source):
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 60)
    finally:
        writer.close()
    return int(answer.split(b" ", 2)[1]), time.monotonic() - started


async def hostile(port, index, end, counts):
    """One hostile slot: connect, misbehave, wait to be closed, again, until `end`."""
    source = f"127.1.{index // 16 // 250}.{1 + index // 16 % 250}"  # 16 per address: the cap
    kind = ("slow", "idle", "half-open")[index % 3]
    while time.monotonic() < end:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                           local_addr=(source, 0))
        except OSError:
            await asyncio.sleep(1)
            continue
        counts[kind] += 1
        try:
            if kind == "slow":
                writer.write(b"GET / HTTP/1.1\r\nHost: soak\r\n")
                while time.monotonic() < end:
                    await asyncio.sleep(1)
                    writer.write(b"X")
                    await writer.drain()
            elif kind == "half-open":
                writer.write(b"GET /heal")
                writer.write_eof()
            if kind != "slow":
                await asyncio.wait_for(reader.read(), max(0.1, end - time.monotonic()))
        except (ConnectionError, asyncio.TimeoutError, OSError):
            pass
        finally:
            writer.close()
        await asyncio.sleep(0.2)


async def main(args):
    failing, healthy = await upstream(FAILING), await upstream(HEALTHY)
    www = tempfile.mkdtemp(prefix="gwdoctor-soak-")
    server = subprocess.Popen(
        [args.gwdoctor, "serve", "--listen", "127.0.0.1:0", "--www", www, "--wasm", www,
         "--allow-private", "--rate-limit", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)/", server.stdout.readline()).group(1))
        end = time.monotonic() + args.seconds
        counts = {"slow": 0, "idle": 0, "half-open": 0}
        hostiles = [asyncio.create_task(hostile(port, i, end, counts))
                    for i in range(args.hostile)]
        health, checks, errors, statuses = [], [], [], {}
        peak_rss = peak_fds = 0

        async def check():
            target = random.choice((failing, healthy))
            url = f"http://127.0.0.1:{target}/?n={random.randrange(200)}"
            source = f"127.2.0.{random.randrange(1, 250)}"
            try:
                status, took = await request(port, f"/api/v1/check?url={url}", source)
                statuses[status] = statuses.get(status, 0) + 1
                checks.append(took)
            except (OSError, asyncio.TimeoutError, ValueError, IndexError) as e:
                errors.append(repr(e))

        started = time.monotonic()
        next_report = started + 10
        pending = set()
        tick = 0
        while time.monotonic() < end:
            tick += 1
            for _ in range(args.rate // 10):
                pending.add(asyncio.create_task(check()))
            if tick % 10 == 0:
                try:
                    health.append((await asyncio.wait_for(
                        request(port, "/healthz", "127.0.0.9"), 30))[1])
                except (OSError, asyncio.TimeoutError, ValueError, IndexError) as e:
                    errors.append("healthz " + repr(e))
                rss, fds = server_usage(server.pid)
                peak_rss, peak_fds = max(peak_rss, rss), max(peak_fds, fds)
            pending = {task for task in pending if not task.done()}
            if time.monotonic() >= next_report:
                next_report += 10
                print(f"soak {time.monotonic() - started:5.0f} s: healthz p99 {p99(health):.1f} ms, "
                      f"check p99 {p99(checks):.1f} ms ({len(checks)} checks {statuses}), "
                      f"server {rss} MiB, {fds} descriptors; hostile connections opened "
                      f"{counts}; errors {len(errors)}", flush=True)
            await asyncio.sleep(0.1)
        await asyncio.wait(pending | set(hostiles), timeout=70)
        print(f"soak: {args.seconds} s, {args.hostile} hostile connections, {args.rate} checks/s: "
              f"healthz p99 {p99(health):.1f} ms ({len(health)}), check p99 {p99(checks):.1f} ms "
              f"({len(checks)}: {statuses}), peak {peak_rss} MiB resident, peak {peak_fds} "
              f"descriptors, errors {len(errors)} {errors[:3]}")
        return 1 if errors else 0
    finally:
        server.kill()
        server.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gwdoctor", required=True)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--hostile", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=200, help="checks a second")
    sys.exit(asyncio.run(main(parser.parse_args())))
