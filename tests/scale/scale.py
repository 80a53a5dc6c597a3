#!/usr/bin/env python3
"""Scale-out behind a real cache: real nginx with deploy/nginx-checker.conf in front of two
`gwdoctor serve` instances, all on loopback; an upstream stand-in answering 502 counts the probes.

1,000 concurrent checks of one failing URL, each from its own 127.0.x.y source address, cost one
probe per cache period, whatever instance answered; a client beyond its burst gets 429 through
the proxy. Every wait has a deadline; nothing leaves 127.0.0.0/8.
"""

import argparse
import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

CLIENTS = 1000
CACHE_TTL = 4
BURST = 10
DEADLINE = 30  # seconds for one round of checks

NGINX_502 = (
    b"HTTP/1.1 502 Bad Gateway\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n"
    b"Content-Length: 157\r\nConnection: close\r\n\r\n"
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class Upstream:
    """The failing site: answers every request with nginx's 502 and counts them."""

    def __init__(self):
        self.probes = 0

    async def start(self):
        self.server = await asyncio.start_server(self.answer, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def answer(self, reader, writer):
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            self.probes += 1
            writer.write(NGINX_502)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_instance(gwdoctor, www, wasm):
    process = subprocess.Popen(
        [gwdoctor, "serve", "--listen", "127.0.0.1:0", "--www", www, "--wasm", wasm,
         "--allow-private", "--trusted-proxy", "127.0.0.1", "--cache-ttl", str(CACHE_TTL),
         "--rate-burst", str(BURST)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        process.kill()
        sys.exit(f"scale: gwdoctor serve did not say where it listens: {line!r}")
    return process, int(match.group(1))


def nginx_config(shipped, work, port, instances):
    """The shipped file with only the listen port, the instances and the cache path replaced."""
    text = open(shipped).read()
    text = text.replace("/var/cache/nginx/gwdoctor", os.path.join(work, "cache"))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("server 127.0.0.1:8081;", f"server 127.0.0.1:{instances[0]};")
    text = text.replace("server 127.0.0.1:8082;", f"server 127.0.0.1:{instances[1]};")
    included = os.path.join(work, "checker.conf")
    open(included, "w").write(text)
    main = os.path.join(work, "nginx.conf")
    open(main, "w").write(
        f"daemon off; master_process off; worker_processes 1; pid {work}/nginx.pid;\n"
        f"error_log {work}/error.log warn;\nworker_rlimit_nofile 8192;\n"
        "events { worker_connections 4096; }\n"
        f"http {{ access_log off; client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;\n"
        f"  include {included};\n}}\n")
    return main


async def get(port, path, source, forwarded_for=None):
    """One request from `source`; (status, headers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    try:
        extra = f"X-Forwarded-For: {forwarded_for}\r\n" if forwarded_for else ""
        writer.write(f"GET {path} HTTP/1.1\r\nHost: checker\r\n{extra}Connection: close\r\n\r\n"
                     .encode())
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return int(head[0].split()[1]), {k.lower(): v for k, v in headers.items()}


def client_address(i):
    """The i-th client's source address: 127.0.1.1, 127.0.1.2, … (all of 127/8 is local)."""
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


async def round_of_checks(port, path):
    results = await asyncio.wait_for(
        asyncio.gather(*(get(port, path, client_address(i)) for i in range(CLIENTS))),
        DEADLINE)
    statuses = {}
    cache = {}
    for status, headers in results:
        statuses[status] = statuses.get(status, 0) + 1
        state = headers.get("x-proxy-cache", "-")
        cache[state] = cache.get(state, 0) + 1
    return statuses, cache


async def wait_listening(port, deadline=10):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    sys.exit(f"scale: nothing listens on {port}")


async def main(args):
    work = tempfile.mkdtemp(prefix="gwdoctor-scale-")
    processes = []
    failures = []
    try:
        upstream = Upstream()
        upstream_port = await upstream.start()
        wasm = os.path.join(work, "wasm")
        os.mkdir(wasm)
        instances = []
        for _ in range(2):
            process, port = start_instance(args.gwdoctor, args.www, wasm)
            processes.append(process)
            instances.append(port)
        nginx_port = free_port()
        conf = nginx_config(args.config, work, nginx_port, instances)
        nginx = subprocess.Popen([args.nginx, "-p", work, "-e", f"{work}/error.log", "-c", conf],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(nginx)
        await wait_listening(nginx_port)

        failing = f"http://127.0.0.1:{upstream_port}/"
        check = "/api/v1/check?" + urllib.parse.urlencode({"url": failing})
        for window in (1, 2):
            started = time.monotonic()
            statuses, cache = await round_of_checks(nginx_port, check)
            print(f"scale: window {window}: {CLIENTS} concurrent checks from {CLIENTS} addresses "
                  f"-> statuses {statuses}, nginx cache {cache}, upstream probes so far "
                  f"{upstream.probes} ({time.monotonic() - started:.1f} s)")
            if statuses != {200: CLIENTS}:
                failures.append(f"window {window}: statuses {statuses}")
            if upstream.probes != window:
                failures.append(f"window {window}: {upstream.probes} probes, expected {window}")
            if window == 1:
                await asyncio.sleep(CACHE_TTL + 1.5)

        # The rate limit through the proxy: distinct URLs (cache misses) from one client address.
        source = "127.0.200.1"
        statuses = []
        for n in range(BURST + 1):
            path = "/api/v1/check?" + urllib.parse.urlencode({"url": f"{failing}?n={n}"})
            statuses.append((await asyncio.wait_for(get(nginx_port, path, source), DEADLINE))[0])
        other, _ = await asyncio.wait_for(
            get(nginx_port, "/api/v1/check?" + urllib.parse.urlencode({"url": failing + "?other"}),
                "127.0.200.2"), DEADLINE)
        # A client cannot buy a fresh bucket by writing its own X-Forwarded-For.
        forged, _ = await asyncio.wait_for(
            get(nginx_port, "/api/v1/check?" + urllib.parse.urlencode({"url": failing + "?f"}),
                source, forwarded_for="203.0.113.9"), DEADLINE)
        print(f"scale: one client, {BURST + 1} checks of distinct URLs through nginx -> {statuses}; "
              f"another client -> {other}; the first with a forged X-Forwarded-For -> {forged}")
        if statuses[:BURST] != [200] * BURST or statuses[BURST] != 429:
            failures.append(f"rate limit through the proxy: {statuses}")
        if other != 200:
            failures.append(f"another client got {other}")
        if forged != 429:
            failures.append(f"a forged X-Forwarded-For got {forged}")
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=10)
        if processes and processes[-1].stderr:
            errors = processes[-1].stderr.read().decode(errors="replace").strip()
            if errors:
                print(f"scale: nginx said: {errors}")
        shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print(f"scale: FAILED: {failure}")
    print(f"scale: {'ok' if not failures else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gwdoctor", required=True)
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--config", required=True, help="deploy/nginx-checker.conf")
    parser.add_argument("--www", required=True)
    sys.exit(asyncio.run(main(parser.parse_args())))
