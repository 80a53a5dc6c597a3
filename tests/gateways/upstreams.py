#!/usr/bin/env python3
"""Misbehaving upstreams for the gateway lab (Python 3.11 stdlib only).

Listens on 127.0.0.1 only, one port per scenario (base port + scenario index):

  refused     nothing listens (the port is left closed on purpose)
  hung        accepts, reads the request, never answers (closes after --hang-s)
  garbage     sends non-HTTP bytes and closes
  reset       accepts, reads the request, then closes with SO_LINGER 0 (RST)
  oversized   a valid 200 response carrying a ~64 KB header
  app500      the application's own 500 page
  app502      the application's own 502 page ("Upstream app: payment service failed")
  app503      the application's own maintenance page, Retry-After: 120
  healthy200  a normal HTML page

Run by tests/gateways/lab.py as a child process; it prints "ready" once every port listens and
exits by itself after --lifetime-s seconds (a safety net when nobody stops it).
"""

import argparse
import socket
import struct
import sys
import threading
import time

SCENARIOS = [
    "refused",
    "hung",
    "garbage",
    "reset",
    "oversized",
    "app500",
    "app502",
    "app503",
    "healthy200",
]

APP_SERVER = "gunicorn"


def http_response(status, reason, body, extra_headers=()):
    body = body.encode() if isinstance(body, str) else body
    head = [
        f"HTTP/1.1 {status} {reason}",
        f"Server: {APP_SERVER}",
        "Content-Type: text/html; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    head.extend(extra_headers)
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def page(title, h1, text):
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head>\n<body>\n<h1>{h1}</h1>\n<p>{text}</p>\n"
        "</body>\n</html>\n"
    )


RESPONSES = {
    "app500": http_response(
        500,
        "Internal Server Error",
        page(
            "Shop - something went wrong",
            "Oops! Our shop hit a snag",
            "Order lookup crashed (error id 7f3a9c). Our engineers have been notified.",
        ),
    ),
    "app502": http_response(
        502,
        "Bad Gateway",
        page(
            "502 Bad Gateway",
            "Upstream app: payment service failed",
            "The checkout application could not reach the payment service. Please try again.",
        ),
    ),
    "app503": http_response(
        503,
        "Service Unavailable",
        page(
            "Down for maintenance",
            "We are down for scheduled maintenance",
            "The shop is being upgraded and will be back in a few minutes.",
        ),
        ["Retry-After: 120"],
    ),
    "healthy200": http_response(
        200,
        "OK",
        page(
            "Welcome to the shop",
            "Welcome to the shop",
            "Everything is fine. Browse our catalogue.",
        ),
    ),
    "oversized": http_response(
        200,
        "OK",
        page("Big header", "Big header", "This response carries a 64 KB header."),
        ["X-Oversized: " + "a" * (64 * 1024)],
    ),
}

GARBAGE = b"NOT-HTTP garbage from upstream 0xDEADBEEF\r\n\x00\x01\x02 still not http\r\n\r\n"


def read_request(conn, limit_s=5.0, max_bytes=1 << 20):
    """Reads until the end of the request head (bounded in time and size)."""
    conn.settimeout(limit_s)
    data = b""
    deadline = time.monotonic() + limit_s
    try:
        while b"\r\n\r\n" not in data and len(data) < max_bytes and time.monotonic() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    return data


def handle(scenario, conn, hang_s):
    try:
        if scenario == "garbage":
            read_request(conn)
            conn.sendall(GARBAGE)
            conn.shutdown(socket.SHUT_WR)
        elif scenario == "reset":
            read_request(conn)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        elif scenario == "hung":
            read_request(conn)
            # Never answer; wait until the gateway gives up (EOF) or hang_s passes.
            conn.settimeout(0.5)
            deadline = time.monotonic() + hang_s
            while time.monotonic() < deadline:
                try:
                    if not conn.recv(65536):
                        break
                except socket.timeout:
                    continue
                except OSError:
                    break
        else:
            read_request(conn)
            conn.sendall(RESPONSES[scenario])
            try:
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            # Let the gateway read everything before the close.
            conn.settimeout(2.0)
            try:
                while conn.recv(65536):
                    pass
            except OSError:
                pass
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def serve(scenario, sock, hang_s, stop):
    sock.settimeout(0.5)
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            break
        threading.Thread(target=handle, args=(scenario, conn, hang_s), daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base-port", type=int, default=17000)
    ap.add_argument("--hang-s", type=float, default=30.0)
    ap.add_argument("--lifetime-s", type=float, default=3600.0)
    args = ap.parse_args()

    stop = threading.Event()
    for index, scenario in enumerate(SCENARIOS):
        port = args.base_port + index
        if scenario == "refused":
            probe = socket.socket()
            probe.settimeout(0.5)
            busy = probe.connect_ex(("127.0.0.1", port)) == 0
            probe.close()
            if busy:
                print(f"error: port {port} (scenario refused) must be closed but something listens",
                      file=sys.stderr, flush=True)
                return 1
            continue
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as e:
            print(f"error: cannot listen on 127.0.0.1:{port} ({scenario}): {e}", file=sys.stderr,
                  flush=True)
            return 1
        sock.listen(64)
        threading.Thread(target=serve, args=(scenario, sock, args.hang_s, stop), daemon=True).start()
    print("ready", flush=True)
    end = time.monotonic() + args.lifetime_s
    try:
        while time.monotonic() < end:
            time.sleep(1.0)
    except KeyboardInterrupt:
        pass
    stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
