#!/usr/bin/env python3
"""`gwdoctor check URL --from …` end to end, without leaving the machine.

A real nginx (Debian's nginx-light) on 127.0.0.1 serves two sites: one whose upstream is dead
(nginx's own 502) and one that works. The Globalping stand-in (standin.py, written from
Globalping's spec) answers the CLI's measurement; its probes really fetch from that nginx, so
what comes back are real responses. Checked:

  1. down for everyone: every place sees nginx's 502, the world view says so and "Not you";
  2. up for the world, down here: the probes reach the working site (as if their DNS gave
     another address), the local check fails, so the view turns to the visitor's side;
  3. down from one country only: an outlier is named;
  4. the rate limit: after the allowance, a 429 with Retry-After is reported plainly, and no
     poll follows it (requests counted at the stand-in);
  5. the hosted checker with --globalping: fanned-out answers carry the world view, one
     measurement per URL however many ask, a pause after a 429, and a share per client;
  6. nothing is sent to Globalping without --from (the stand-in sees no request).

Usage: world_test.py --gwdoctor target/debug/gwdoctor  (exit 0 when every check passes)
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
START_TIMEOUT_S = 15
RUN_TIMEOUT_S = 90
failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, timeout_s=START_TIMEOUT_S):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"world_test: {what} did not come up within {timeout_s} s")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def find_nginx():
    for d in ["/usr/sbin", "/usr/bin", "/usr/local/sbin"]:
        if os.access(f"{d}/nginx", os.X_OK):
            return f"{d}/nginx"
    return shutil.which("nginx") or sys.exit("world_test: nginx is not installed (apt-get install nginx-light)")


def start_nginx(work, down_port, up_port, closed_port):
    conf = work / "nginx.conf"
    temp = "".join(f"    {k}_temp_path {work}/{k};\n" for k in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    conf.write_text(f"""{user}daemon off; pid {work}/nginx.pid; error_log {work}/error.log warn;
events {{}}
http {{
{temp}    access_log {work}/access.log;
    server {{ listen 127.0.0.1:{down_port}; location / {{ proxy_pass http://127.0.0.1:{closed_port}; }} }}
    server {{ listen 127.0.0.1:{up_port}; location / {{ return 200 "the shop works\\n"; }} }}
}}
""")
    proc = subprocess.Popen([find_nginx(), "-p", f"{work}/", "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=open(work / "nginx.console", "w"))
    wait_for(lambda: port_open(down_port) and port_open(up_port), "nginx")
    return proc


def stop(proc):
    """Ends a child politely, then for sure."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()


class StandIn:
    def __init__(self, work, name, probes, allowance=250):
        self.port_file = work / f"{name}.port"
        probes_file = work / f"{name}.probes.json"
        probes_file.write_text(json.dumps(probes))
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "standin.py"), "--probes", str(probes_file),
             "--port-file", str(self.port_file), "--allowance", str(allowance)],
            stdout=subprocess.DEVNULL, stderr=open(work / f"{name}.log", "w"))
        wait_for(self.port_file.exists, f"stand-in {name}")
        self.url = f"http://127.0.0.1:{self.port_file.read_text()}"

    def stats(self):
        with urllib.request.urlopen(self.url + "/stats", timeout=5) as r:
            return json.load(r)

    def stop(self):
        stop(self.proc)


class Serve:
    """`gwdoctor serve --globalping` on a free loopback port."""

    def __init__(self, work, binary, api, *extra):
        self.port = free_port()
        env = dict(os.environ, GWDOCTOR_GLOBALPING_API=api)
        self.proc = subprocess.Popen(
            [binary, "serve", "--listen", f"127.0.0.1:{self.port}", "--allow-private", "--globalping",
             "--globalping-places", "2", "--www", str(work), "--wasm", str(work), *extra],
            stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "w"), env=env)
        wait_for(lambda: port_open(self.port), "gwdoctor serve")

    def get_json(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=60) as r:
            return json.load(r)

    def stop(self):
        stop(self.proc)


def probe(city, country, asn, connect=None):
    p = {"city": city, "country": country, "asn": asn, "network": f"Test network {asn}"}
    if connect:
        p["connect"] = connect
    return p


def gwdoctor(binary, api, *args):
    env = dict(os.environ, GWDOCTOR_GLOBALPING_API=api)
    done = subprocess.run([binary, "check", *args], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, env=env)
    return done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gwdoctor", required=True)
    binary = os.path.abspath(ap.parse_args().gwdoctor)
    work = Path(tempfile.mkdtemp(prefix="gwdoctor-world-"))
    os.chmod(work, 0o755)
    down_port, up_port, closed_port = free_port(), free_port(), free_port()
    down_url, up = f"http://127.0.0.1:{down_port}/", f"127.0.0.1:{up_port}"
    nginx = start_nginx(work, down_port, up_port, closed_port)
    stand_ins = []
    try:
        print("1. down for everyone")
        everyone = StandIn(work, "everyone", [probe("Berlin", "DE", 3320), probe("Paris", "FR", 3215),
                                              probe("Dallas", "US", 7018), probe("Tokyo", "JP", 2516)])
        stand_ins.append(everyone)
        done = gwdoctor(binary, everyone.url, down_url, "--from", "world:4", "--json")
        out = json.loads(done.stdout)
        world = out.get("world", {})
        check(done.returncode == 1, f"exit status 1 for an error (got {done.returncode}; {done.stderr.strip()})")
        check(out["generator"]["vendor"] == "nginx", "the local verdict names nginx")
        check(world.get("standing") == "down-everywhere", f"standing down-everywhere (got {world.get('standing')})")
        check((world.get("down"), world.get("up"), world.get("countries")) == (4, 0, 4), "4 of 4 down, 4 countries")
        failure = (world.get("failures") or [{}])[0]
        check(failure.get("generator") == "nginx" and failure.get("status") == 502, "every place saw nginx's 502")
        check(world.get("summary", "").startswith("Down from 4 of 4 places in 4 countries — all saw nginx 502: "),
              f"summary: {world.get('summary')}")
        check(world.get("you") == "Not you: the site fails for everyone who asked.", f"you: {world.get('you')}")
        stats = everyone.stats()
        check(stats["accepted"] == 1 and stats["fetches"] == 4 and stats["polls"] >= 2,
              f"one measurement, 4 real fetches, polled until final ({stats})")
        text = gwdoctor(binary, everyone.url, down_url, "--from", "world:4")
        check("From around the world (Globalping):" in text.stdout and "DOWN  Berlin, DE · AS3320 Test network 3320 — nginx 502" in text.stdout,
              "the text output lists the places")
        (work / "example-down.txt").write_text(text.stdout)

        print("2. up for the world, down here")
        elsewhere = StandIn(work, "elsewhere", [probe("Berlin", "DE", 3320, up), probe("Paris", "FR", 3215, up),
                                                probe("Dallas", "US", 7018, up)])
        stand_ins.append(elsewhere)
        dead_here = f"http://127.0.0.1:{closed_port}/"
        done = gwdoctor(binary, elsewhere.url, dead_here, "--from", "world:3", "--json")
        out = json.loads(done.stdout)
        world = out.get("world", {})
        check(out["error"] is True and out["status"] is None, "the local check could not connect")
        check(world.get("standing") == "up", f"standing up (got {world.get('standing')})")
        check((world.get("you") or "").startswith("It's you"), f"you: {world.get('you')}")
        steps = [a["step"] for a in world.get("next", [])]
        check(steps[:1] == ["check-dns"], f"DNS first for a site unreachable from here only ({steps})")

        print("3. down from one country only")
        regional = StandIn(work, "regional", [probe("Mumbai", "IN", 9829), probe("Delhi", "IN", 55836),
                                              probe("Paris", "FR", 3215, up), probe("Dallas", "US", 7018, up),
                                              probe("Lima", "PE", 6147, up)])
        stand_ins.append(regional)
        done = gwdoctor(binary, regional.url, down_url, "--from", "world:5", "--json")
        world = json.loads(done.stdout).get("world", {})
        check(world.get("standing") == "down-somewhere", f"standing down-somewhere (got {world.get('standing')})")
        check(any(o.startswith("It fails only from IN") for o in world.get("outliers", [])),
              f"the outlier names IN ({world.get('outliers')})")
        located = gwdoctor(binary, regional.url, down_url, "--from", "IN:2", "--json")
        world = json.loads(located.stdout).get("world", {})
        check(world.get("asked") == 2 and world.get("standing") == "down-everywhere",
              "locations are passed on: only the places in IN answer")

        print("4. the rate limit")
        limited = StandIn(work, "limited", [probe("Berlin", "DE", 3320)], allowance=1)
        stand_ins.append(limited)
        first = gwdoctor(binary, limited.url, down_url, "--from", "world:1", "--json")
        check("world" in json.loads(first.stdout), "the first measurement is answered")
        polls_before = limited.stats()["polls"]
        second = gwdoctor(binary, limited.url, down_url, "--from", "world:1", "--json")
        out = json.loads(second.stdout)
        error = out.get("world_error", {})
        check(error.get("kind") == "rate-limited" and isinstance(error.get("retry_after_s"), int),
              f"the 429 is reported with its wait ({error})")
        check(out["generator"]["vendor"] == "nginx", "the local verdict is still given")
        stats = limited.stats()
        check(stats["rate_limited"] == 1 and stats["polls"] == polls_before,
              f"no poll after a 429, no retry ({stats})")
        text = gwdoctor(binary, limited.url, down_url, "--from", "world:1")
        check("Globalping's rate limit is reached (ask again in" in text.stdout, "the text says when to ask again")

        print("5. the hosted checker with --globalping")
        checker_stand_in = StandIn(work, "checker", [probe("Berlin", "DE", 3320), probe("Paris", "FR", 3215)])
        stand_ins.append(checker_stand_in)
        serve = Serve(work, binary, checker_stand_in.url)
        try:
            query = urllib.parse.urlencode({"url": down_url, "fanout": "1"})
            first = serve.get_json(f"/api/v1/check?{query}")
            world = first.get("world", {})
            check(world.get("standing") == "down-everywhere" and world.get("down") == 2,
                  f"a fanned-out answer carries the world view ({world.get('summary')})")
            check(world.get("you") is None, "the checker's answer says nothing about 'you'")
            for _ in range(3):
                serve.get_json(f"/api/v1/check?{query}")
            plain = serve.get_json("/api/v1/check?" + urllib.parse.urlencode({"url": down_url}))
            check("world" not in plain, "without fanout=1 no world view")
            stats = checker_stand_in.stats()
            check(stats["accepted"] == 1, f"one measurement for four fanned-out checks of one URL ({stats})")
            check(serve.get_json("/api/v1/vantage").get("globalping_places") == 2, "/api/v1/vantage says so")
        finally:
            serve.stop()
        tight = StandIn(work, "tight", [probe("Berlin", "DE", 3320)], allowance=1)
        stand_ins.append(tight)
        serve = Serve(work, binary, tight.url)
        try:
            answers = [serve.get_json("/api/v1/check?" + urllib.parse.urlencode({"url": f"{down_url}?{n}", "fanout": "1"}))
                       for n in ("a", "b", "c")]
            kinds = ["world" if "world" in a else a.get("world_error", {}).get("kind") for a in answers]
            check(kinds == ["world", "rate-limited", "rate-limited"], f"the limit is reported ({kinds})")
            stats = tight.stats()
            check(stats["creates"] == 2 and stats["rate_limited"] == 1,
                  f"after a 429 the checker waits instead of asking again ({stats})")
        finally:
            serve.stop()

        share = StandIn(work, "share", [probe("Berlin", "DE", 3320)])
        stand_ins.append(share)
        serve = Serve(work, binary, share.url, "--globalping-per-client", "2")
        try:
            ask = lambda n: serve.get_json("/api/v1/check?" + urllib.parse.urlencode({"url": f"{down_url}?{n}", "fanout": "1"}))
            kinds = ["world" if "world" in a else a.get("world_error", {}).get("kind") for a in map(ask, "xyzx")]
            check(kinds == ["world", "world", "rate-limited", "world"],
                  f"one client causes at most 2 new measurements; a cached one stays free ({kinds})")
            check(share.stats()["accepted"] == 2, f"the stand-in measured twice ({share.stats()})")
        finally:
            serve.stop()

        print("6. nothing is sent without --from")
        before = everyone.stats()
        done = gwdoctor(binary, everyone.url, down_url, "--json")
        after = everyone.stats()
        check("world" not in json.loads(done.stdout), "no world view without --from")
        check(before == after, f"the stand-in saw no request ({before} → {after})")
        bad = gwdoctor(binary, everyone.url, down_url, "--from", "world:500")
        check(bad.returncode == 2 and "the number of places must be 1…50" in bad.stderr,
              f"a bad --from is a clear usage error ({bad.returncode}: {bad.stderr.strip()})")
    finally:
        for s in stand_ins:
            s.stop()
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(5)
        except subprocess.TimeoutExpired:
            nginx.kill()
    if failures:
        print(f"world_test: {len(failures)} check(s) failed; files in {work}")
        return 1
    print(f"world_test: every check passed (example output: {work}/example-down.txt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
