#!/usr/bin/env python3
"""A stand-in for Globalping's measurement API, for tests that must not leave the machine.

Written from Globalping's public spec (jsdelivr/globalping, public/v1/spec.yaml and
public/v1/components/*.yaml, API version 1.0.0) and the probe's HTTP handler
(jsdelivr/globalping-probe, src/command/http-command.ts) for the shape of results and errors:

  POST /v1/measurements        {"type": "http", "target", "locations"?, "limit"?,
                               "measurementOptions": {"protocol", "port", "request": {...}}}
                               → 202 {"id", "probesCount"}, Location, X-RateLimit-* headers;
                               → 429 {"error": {"type": "rate_limit_exceeded", ...}} with
                                 Retry-After and X-RateLimit-Reset once the allowance is used;
                               → 400 validation_error, 422 no_probes_found.
  GET  /v1/measurements/{id}   the measurement: "in-progress" (each result "in-progress") on
                               at least the first poll, then "finished" with every probe's
                               FinishedHttpTestResult or FailedTestResult.
  GET  /stats                  (stand-in only) how many requests of each kind it served.

Its "probes" are entries of a JSON file (`--probes`): place (city, country, asn, network) and,
optionally, `connect: "HOST:PORT"` — where this probe's connection goes instead of the target
(as if its DNS gave another address). Each probe REALLY fetches over HTTP from the loopback
gateways of the test (GET, Host header = target, first 10,000 bytes of the body), so the headers
and bodies that come back are real responses, wrapped in Globalping's result shape. HTTPS is not
supported (the lab's gateways speak HTTP). Listens on 127.0.0.1 only; Python 3.11 stdlib.
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DOWNLOAD_LIMIT = 10_000
PROBE_TIMEOUT_S = 10


class State:
    def __init__(self, probes, allowance, window_s):
        self.probes = probes
        self.allowance = allowance
        self.window_s = window_s
        self.window_start = time.monotonic()
        self.used = 0
        self.lock = threading.Lock()
        self.measurements = {}
        self.stats = {"creates": 0, "accepted": 0, "rate_limited": 0, "polls": 0, "fetches": 0}


def node_error(exc, host, port):
    """The probe's rawOutput for a failed request: `${message} - ${code}` as Node/got word it."""
    if isinstance(exc, ConnectionRefusedError):
        return f"connect ECONNREFUSED {host}:{port} - ECONNREFUSED"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"Timeout awaiting 'request' for {PROBE_TIMEOUT_S * 1000}ms - ETIMEDOUT"
    if isinstance(exc, socket.gaierror):
        return f"getaddrinfo ENOTFOUND {host} - ENOTFOUND"
    if isinstance(exc, (ConnectionResetError, http.client.RemoteDisconnected)):
        return "socket hang up - ECONNRESET"
    if isinstance(exc, http.client.HTTPException):
        return f"Parse Error: {exc.__class__.__name__} - HPE_INVALID_CONSTANT"
    return f"{exc} - EUNKNOWN"


def fetch(probe, request, state):
    """One probe's test, as FinishedHttpTestResult or FailedTestResult."""
    options = request.get("measurementOptions", {})
    target = request["target"]
    port = int(options.get("port", 80))
    req = options.get("request", {})
    path = "/" + req.get("path", "/").lstrip("/")
    if req.get("query"):
        path += "?" + req["query"]
    host, connect_port = target, port
    if probe.get("connect"):
        host, connect_port = probe["connect"].rsplit(":", 1)
        connect_port = int(connect_port)
    with state.lock:
        state.stats["fetches"] += 1
    started = time.monotonic()
    conn = http.client.HTTPConnection(host, connect_port, timeout=PROBE_TIMEOUT_S)
    try:
        conn.putrequest(req.get("method", "HEAD"), path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", target if port == 80 else f"{target}:{port}")
        conn.putheader("User-Agent", "globalping probe (https://github.com/jsdelivr/globalping)")
        conn.endheaders()
        resp = conn.getresponse()
        first_byte = time.monotonic()
        body = resp.read(DOWNLOAD_LIMIT + 1)
        truncated = len(body) > DOWNLOAD_LIMIT
        body = body[:DOWNLOAD_LIMIT].decode("utf-8", "replace")
        raw_headers = "\n".join(f"{k}: {v}" for k, v in resp.getheaders())
        headers = {}
        for k, v in resp.getheaders():
            headers.setdefault(k.lower(), v)
        total = int((time.monotonic() - started) * 1000)
        return {
            "status": "finished",
            "resolvedAddress": host,
            "headers": headers,
            "rawHeaders": raw_headers,
            "rawBody": body or None,
            "rawOutput": f"HTTP/1.1 {resp.status}\n{raw_headers}\n\n{body}",
            "truncated": truncated,
            "statusCode": resp.status,
            "statusCodeName": resp.reason,
            "timings": {"total": total, "dns": 0, "tcp": None, "tls": None,
                        "firstByte": int((first_byte - started) * 1000), "download": None},
            "tls": None,
        }
    except Exception as exc:  # noqa: BLE001 - every failure becomes the probe's error text
        return {"status": "failed", "rawOutput": node_error(exc, host, connect_port)}
    finally:
        conn.close()


def run_measurement(state, mid, request, probes):
    results = [None] * len(probes)
    threads = []
    for i, probe in enumerate(probes):
        def one(i=i, probe=probe):
            results[i] = fetch(probe, request, state)
        t = threading.Thread(target=one, daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(PROBE_TIMEOUT_S + 5)
    with state.lock:
        state.measurements[mid]["done"] = [r or {"status": "failed", "rawOutput": "probe lost"} for r in results]


def probe_location(probe):
    return {
        "continent": probe.get("continent", "EU"), "region": probe.get("region", "Western Europe"),
        "country": probe["country"], "state": None, "city": probe["city"], "asn": probe["asn"],
        "network": probe["network"], "latitude": 0.0, "longitude": 0.0,
        "tags": ["datacenter-network"], "resolvers": ["private"],
    }


def matches(probe, magic):
    m = magic.lower()
    return m in (probe["country"].lower(), probe["city"].lower(), f"as{probe['asn']}",
                 probe["network"].lower(), probe.get("continent", "EU").lower(), "world")


class Handler(BaseHTTPRequestHandler):
    server_version = "globalping-standin"

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, kind, message, headers=None):
        self.send_json(status, {"error": {"type": kind, "message": message}}, headers)

    def do_POST(self):
        state = self.server.state
        if self.path != "/v1/measurements":
            return self.error(404, "not_found", "Couldn't find the requested item.")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            request = json.loads(self.rfile.read(min(length, 1 << 16)) or b"{}")
        except json.JSONDecodeError:
            return self.error(400, "validation_error", "Parameter validation failed.")
        with state.lock:
            state.stats["creates"] += 1
            now = time.monotonic()
            if now - state.window_start >= state.window_s:
                state.window_start, state.used = now, 0
            reset = max(1, int(state.window_s - (now - state.window_start)))
            limit_headers = {"X-RateLimit-Limit": state.allowance,
                             "X-RateLimit-Reset": reset}
            if state.used >= state.allowance:
                state.stats["rate_limited"] += 1
                limit_headers.update({"X-RateLimit-Remaining": 0, "Retry-After": reset})
                return self.error(429, "rate_limit_exceeded", "API rate limit exceeded.", limit_headers)
        if request.get("type") != "http" or not request.get("target"):
            return self.error(400, "validation_error", "Parameter validation failed.")
        options = request.get("measurementOptions", {})
        if options.get("protocol", "HTTPS") != "HTTP":
            return self.error(400, "validation_error", "This stand-in fetches over HTTP only.")
        limit = int(request.get("limit", 1))
        magics = [loc.get("magic", "") for loc in request.get("locations", [])]
        probes = [p for p in state.probes if not magics or any(matches(p, m) for m in magics)][:limit]
        if not probes:
            return self.error(422, "no_probes_found", "No suitable probes found.")
        mid = secrets.token_urlsafe(12)
        with state.lock:
            state.used += 1
            state.stats["accepted"] += 1
            limit_headers["X-RateLimit-Remaining"] = state.allowance - state.used
            state.measurements[mid] = {"request": request, "probes": probes, "done": None,
                                       "polls": 0, "created": time.time()}
        threading.Thread(target=run_measurement, args=(state, mid, request, probes), daemon=True).start()
        headers = dict(limit_headers)
        headers["Location"] = f"http://{self.headers.get('Host', '127.0.0.1')}/v1/measurements/{mid}"
        self.send_json(202, {"id": mid, "probesCount": len(probes)}, headers)

    def do_GET(self):
        state = self.server.state
        if self.path == "/stats":
            with state.lock:
                return self.send_json(200, dict(state.stats))
        prefix = "/v1/measurements/"
        if not self.path.startswith(prefix):
            return self.error(404, "not_found", "Couldn't find the requested item.")
        mid = self.path[len(prefix):]
        with state.lock:
            state.stats["polls"] += 1
            m = state.measurements.get(mid)
            if m is None:
                return self.error(404, "not_found", "Couldn't find the requested item.")
            m["polls"] += 1
            finished = m["done"] is not None and m["polls"] > 1
            results = m["done"] if finished else [{"status": "in-progress", "rawOutput": ""}
                                                  for _ in m["probes"]]
            request = m["request"]
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(m["created"]))
        self.send_json(200, {
            "id": mid, "type": "http", "status": "finished" if finished else "in-progress",
            "createdAt": stamp, "updatedAt": stamp, "target": request["target"],
            "probesCount": len(results), "locations": request.get("locations", []),
            "measurementOptions": request.get("measurementOptions", {}),
            "results": [{"probe": probe_location(p), "result": r}
                        for p, r in zip(m["probes"], results)],
        })


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probes", required=True, help="JSON file: a list of probes")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--port-file", help="write the port chosen here once listening")
    ap.add_argument("--allowance", type=int, default=250, help="measurements per window")
    ap.add_argument("--window", type=int, default=3600, help="the rate-limit window, seconds")
    args = ap.parse_args()
    with open(args.probes) as f:
        probes = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(probes, args.allowance, args.window)
    port = server.server_address[1]
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"globalping stand-in on http://127.0.0.1:{port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
