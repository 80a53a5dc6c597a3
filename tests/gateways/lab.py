#!/usr/bin/env python3
"""Real-gateway lab: real gateways (Debian packages) in front of misbehaving upstreams.

Python 3.11 stdlib only. Everything listens on 127.0.0.1 only; nothing contacts any other address.

  lab.py up        --state DIR                    start upstreams + gateways, write DIR/endpoints.json
  lab.py down      --state DIR                    stop everything `up` started
  lab.py capture   --state DIR --out OUTDIR       curl every endpoint, write OUTDIR/*.http + index.toml
  lab.py live      --state DIR --gwdoctor PATH    `PATH check URL --json` per endpoint vs the labels
  lab.py run-live  --gwdoctor PATH                up + live + down with a temp state dir
  lab.py run-logs  --gwdoctor PATH [--state DIR]  up, one request per endpoint, then
                                                  `PATH logs --json` on each gateway's own log
                                                  files vs LOG_EXPECTED, then down

Ports: upstream scenario i listens on 17000+i (17000 = "refused" stays closed); gateway g serves
scenario i on 18000 + 100*g + i. Proxy timeouts are 3 s so the hung cases end quickly.
"""

import argparse
import concurrent.futures
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
UPSTREAMS_PY = HERE / "upstreams.py"

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
GATEWAYS = ["nginx", "haproxy", "apache", "varnish", "squid", "lighttpd", "caddy"]

UPSTREAM_BASE = 17000
GATEWAY_BASE = 18000
PROXY_TIMEOUT_S = 3
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 5.0

BINARIES = {
    "nginx": "nginx",
    "haproxy": "haproxy",
    "apache": "apache2",
    "varnish": "varnishd",
    "squid": "squid",
    "lighttpd": "lighttpd",
    "caddy": "caddy",
    "curl": "curl",
}
APT_PACKAGES = ["nginx-light", "haproxy", "apache2", "varnish", "squid", "lighttpd", "caddy", "curl"]
SBIN_DIRS = ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"]

# ------------------------------------------------------------------------------------------
# What each (gateway, scenario) really produces, established by looking at every capture
# (nginx 1.22.1, HAProxy 2.6.12, Apache 2.4, Varnish 7.1.1, Squid 5.7, lighttpd 1.4.69,
# Caddy 2.6.2 on Debian 12). `status` is what the capture showed (checked by `capture`);
# `error`/`generator` are the truth `live` and the corpus test compare against; `cause` only
# where the page itself proves it; `note` when the behaviour is surprising.
# ------------------------------------------------------------------------------------------


CATEGORY_OF_STATUS = {500: "internal-error", 502: "bad-gateway", 503: "service-unavailable",
                      504: "gateway-timeout"}


def _gw(gateway, status, cause=None, category=True):
    """A gateway's own error page."""
    case = {"status": status, "error": True, "generator": gateway}
    if category:
        case["category"] = CATEGORY_OF_STATUS[status]
    if cause:
        case["cause"] = cause
    return case


def _origin(status, cause):
    """The application's own page passed through."""
    return {"status": status, "error": True, "generator": "origin",
            "category": CATEGORY_OF_STATUS[status], "cause": cause}


def _not_error(status=200):
    return {"status": status, "error": False}


APP_CASES = {
    "app500": _origin(500, "app-error"),
    "app502": _origin(502, "app-error"),
    "app503": _origin(503, "maintenance"),
    "healthy200": _not_error(),
}

EXPECTED = {
    "nginx": {
        "refused": _gw("nginx", 502),
        "hung": _gw("nginx", 504, "timeout"),
        # nginx passes a non-HTTP upstream answer through as an HTTP/0.9 response (no status
        # line, no headers): curl refuses it, so there is no corpus case; `gwdoctor check` gets
        # no HTTP response at all (a network-failure verdict: error, generator null).
        "garbage": {"status": None, "error": True, "generator": None},
        "reset": _gw("nginx", 502),
        "oversized": _gw("nginx", 502),
    },
    "haproxy": {
        "refused": _gw("haproxy", 503),
        "hung": _gw("haproxy", 504, "timeout"),
        "garbage": _gw("haproxy", 502, "invalid-response"),
        "reset": _gw("haproxy", 502, "invalid-response"),
        "oversized": _gw("haproxy", 502, "invalid-response"),
    },
    "apache": {
        "refused": _gw("apache", 503),
        "hung": _gw("apache", 502),
        "garbage": _not_error(),
        "reset": _gw("apache", 502),
        "oversized": _gw("apache", 502, "invalid-response"),
    },
    "varnish": {
        "refused": _gw("varnish", 503),
        "hung": _gw("varnish", 503),
        "garbage": _gw("varnish", 503),
        "reset": _gw("varnish", 503),
        "oversized": _gw("varnish", 503),
    },
    "squid": {
        "refused": _gw("squid", 502),
        "hung": _gw("squid", 504, "timeout"),
        "garbage": _not_error(),
        "reset": _gw("squid", 502),
        "oversized": _gw("squid", 502),
    },
    "lighttpd": {
        "refused": _gw("lighttpd", 503),
        "hung": _gw("lighttpd", 504, "timeout"),
        "garbage": _gw("lighttpd", 502),
        "reset": _gw("lighttpd", 500, category=False),
        "oversized": _gw("lighttpd", 502),
    },
    "caddy": {
        "refused": _gw("caddy", 502),
        "hung": _gw("caddy", 504, "timeout"),
        "garbage": _gw("caddy", 502),
        "reset": _gw("caddy", 502),
        "oversized": _not_error(),
    },
}
for _gw_id in GATEWAYS:
    for _sc, _exp in APP_CASES.items():
        EXPECTED[_gw_id].setdefault(_sc, dict(_exp))

NOTES = {
    ("haproxy", "refused"): "HAProxy answers a refused server (no health checks, default retries) "
        "with its 'No server is available' 503, not a 502. HAProxy sends no Server header on its "
        "own pages; app pages keep the app's Server header.",
    ("apache", "refused"): "Apache's generic 503 page (not a 502) for a refused backend; the "
        "address footer is there because Debian's security.conf sets ServerSignature On.",
    ("apache", "hung"): "Apache answers a backend read timeout (timeout=3) with 502 Proxy Error "
        "'Error reading from remote server', not 504; the page is the same as for a reset, so it "
        "does not prove the cause.",
    ("apache", "garbage"): "surprising: Apache treats the non-HTTP answer as an HTTP/0.9 response "
        "and passes it through as a 200 (chunked, binary bytes in the body): not an error page.",
    ("apache", "oversized"): "Apache's bare 502 'invalid response from an upstream server' page "
        "(no Reason line) for the 64 KB header.",
    ("apache", "app500"): "Apache passes the app's Server header (gunicorn) through and adds no "
        "header of its own: the response shows no trace of Apache.",
    ("varnish", "refused"): "Varnish answers every backend failure (refused, timeout, garbage, "
        "reset, oversized header) with the same 503 'Backend fetch failed' Guru Meditation page.",
    ("squid", "refused"): "surprising: Squid 5.7 reports a refused cache_peer as 502 "
        "ERR_READ_ERROR with errno 0, not ERR_CONNECT_FAIL 503.",
    ("squid", "hung"): "ERR_READ_TIMEOUT page; this template renders without the URL and the "
        "'Generated … by … (squid/5.7)' footer.",
    ("squid", "garbage"): "surprising: Squid treats the non-HTTP answer as HTTP/0.9 and passes "
        "it through as a 200 with X-Transformed-From: HTTP/0.9: not an error page.",
    ("squid", "reset"): "ERR_READ_ERROR 104 ('Connection reset by peer' in the page).",
    ("squid", "oversized"): "ERR_TOO_BIG 'The request or reply is too large.'",
    ("lighttpd", "reset"): "surprising: lighttpd answers an upstream reset with 500 Internal "
        "Server Error (its own XHTML page), not 502.",
    ("lighttpd", "app502"): "lighttpd keeps the app's Server header (gunicorn) and adds none.",
    ("caddy", "refused"): "Caddy's own error responses have an empty body; only 'Server: Caddy' "
        "and the status show who answered.",
    ("caddy", "oversized"): "surprising: Caddy passes the 64 KB response header through: a 200, "
        "not an error.",
    ("caddy", "app502"): "Caddy sends two Server headers: its own 'Caddy' and the app's "
        "'gunicorn'.",
}


def expected(gateway, scenario):
    return dict(EXPECTED[gateway][scenario])


# ------------------------------------------------------------------------------------------
# What each gateway's own logs say about each scenario (`run-logs`), established by reading the
# logs the lab's gateways wrote. ("cause", id): a failure with that contract cause (and no
# other) is reported for the scenario; ("status", code): the error log is silent and only an
# access log shows the status; ("none", why): nothing in the logs; ("no-log", why): the gateway
# writes no log file here. A scenario is recognised in a report by its request path
# (/<scenario>), its upstream (127.0.0.1:<upstream port>, HAProxy's b_<scenario>/app) or its
# site (127.0.0.1:<gateway port>).
# ------------------------------------------------------------------------------------------

LOG_FILES = {
    "nginx": ["error.log", "access.log"],
    "haproxy": ["console.log"],  # `log stdout`: HAProxy 2.6 logs to syslog or a stream only
    "apache": ["error.log", "access.log"],
    "varnish": [],
    "squid": ["cache.log", "access.log"],
    "lighttpd": ["error.log", "access.log"],
    "caddy": ["caddy.log", "access.log"],
}

_APP_STATUS = {"app500": ("status", 500), "app502": ("status", 502), "app503": ("status", 503)}
_HEALTHY = {"healthy200": ("none", "a 200 is no failure")}

LOG_EXPECTED = {
    "nginx": {
        "refused": ("cause", "connection-refused"),
        "hung": ("cause", "timeout"),
        "garbage": ("cause", "invalid-response"),
        "reset": ("cause", "invalid-response"),
        "oversized": ("cause", "header-too-large"),
        **_APP_STATUS,  # nginx's error log is silent when the application answers an error
        **_HEALTHY,
    },
    "haproxy": {
        "refused": ("cause", "connection-refused"),  # SC--
        "hung": ("cause", "timeout"),  # sH--
        "garbage": ("cause", "invalid-response"),  # PH--
        "reset": ("cause", "invalid-response"),  # SH--
        # PH-- too: HAProxy's log does not tell an oversized header from garbage.
        "oversized": ("cause", "invalid-response"),
        # ---- with the server's status: the termination state proves the server answered.
        "app500": ("cause", "app-error"),
        "app502": ("cause", "app-error"),
        "app503": ("cause", "app-error"),
        **_HEALTHY,
    },
    "apache": {
        "refused": ("cause", "connection-refused"),  # AH00957 (111) + AH01114
        "hung": ("cause", "timeout"),  # AH01102 (70007) + AH00898
        "garbage": ("none", "Apache passes the non-HTTP answer on as an HTTP/0.9 200 and logs "
                            "nothing"),
        "reset": ("cause", "invalid-response"),  # AH01102 (104) + AH00898
        "oversized": ("cause", "header-too-large"),  # AH10124 + AH01106
        **_APP_STATUS,
        **_HEALTHY,
    },
    "varnish": {sc: ("no-log", "Varnish logs to shared memory only (varnishlog/varnishncsa "
                               "are not run by the lab)") for sc in SCENARIOS},
    "squid": {
        # Squid 5.7's cache.log records none of these at the default debug level; its access
        # log gives the status only.
        "refused": ("status", 502),
        "hung": ("status", 504),
        "garbage": ("none", "Squid passes the non-HTTP answer on as an HTTP/0.9 200"),
        "reset": ("status", 502),
        "oversized": ("status", 502),
        **_APP_STATUS,
        **_HEALTHY,
    },
    "lighttpd": {
        "refused": ("cause", "connection-refused"),
        "hung": ("cause", "timeout"),
        "garbage": ("status", 502),  # lighttpd's error log is silent about the garbage answer
        "reset": ("cause", "invalid-response"),
        "oversized": ("cause", "header-too-large"),
        **_APP_STATUS,
        **_HEALTHY,
    },
    "caddy": {
        "refused": ("cause", "connection-refused"),
        "hung": ("cause", "timeout"),
        "garbage": ("cause", "invalid-response"),
        "reset": ("cause", "invalid-response"),
        "oversized": ("none", "Caddy passes the 64 KB header through: a 200"),
        **_APP_STATUS,
        **_HEALTHY,
    },
}


# ------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------


def log(msg):
    print(msg, flush=True)


def err(msg):
    print(f"lab: error: {msg}", file=sys.stderr, flush=True)


def find_binary(name):
    found = shutil.which(name)
    if found:
        return found
    for d in SBIN_DIRS:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


def ensure_installed():
    missing = [b for b in BINARIES.values() if not find_binary(b)]
    if not missing:
        return True
    log(f"lab: missing {', '.join(missing)}: installing with apt-get")
    if os.geteuid() != 0:
        err("not root: cannot apt-get install " + " ".join(APT_PACKAGES))
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    try:
        subprocess.run(["apt-get", "update"], check=True, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES],
                       check=True, env=env, timeout=1200)
    except (subprocess.SubprocessError, OSError) as e:
        err(f"apt-get failed: {e}")
        return False
    still = [b for b in BINARIES.values() if not find_binary(b)]
    if still:
        err(f"still missing after apt-get: {', '.join(still)}")
        return False
    return True


def gw_port(gateway, scenario):
    return GATEWAY_BASE + 100 * GATEWAYS.index(gateway) + SCENARIOS.index(scenario)


def up_port(scenario):
    return UPSTREAM_BASE + SCENARIOS.index(scenario)


def port_open(port, timeout=0.3):
    s = socket.socket()
    s.settimeout(timeout)
    try:
        return s.connect_ex(("127.0.0.1", port)) == 0
    finally:
        s.close()


def wait_ports(ports, proc, timeout_s):
    deadline = time.monotonic() + timeout_s
    pending = list(ports)
    while pending and time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return pending
        pending = [p for p in pending if not port_open(p)]
        if pending:
            time.sleep(0.2)
    return pending


def tail(path, n=25):
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-n:]) or "(empty log)"


def is_root():
    return os.geteuid() == 0


def user_exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def version_of(gateway):
    """The exact version string of a gateway binary, e.g. 'nginx 1.22.1'."""
    try:
        if gateway == "nginx":
            out = subprocess.run(["nginx", "-v"], capture_output=True, text=True, timeout=10)
            m = re.search(r"nginx/(\S+)", out.stderr + out.stdout)
            return f"nginx {m.group(1)}" if m else "nginx"
        if gateway == "haproxy":
            out = subprocess.run(["haproxy", "-v"], capture_output=True, text=True, timeout=10)
            m = re.search(r"version (\S+)", out.stdout)
            return f"HAProxy {m.group(1)}" if m else "HAProxy"
        if gateway == "apache":
            out = subprocess.run([find_binary("apache2"), "-v"], capture_output=True, text=True,
                                 timeout=10)
            m = re.search(r"Apache/(\S+)", out.stdout)
            return f"Apache httpd {m.group(1)}" if m else "Apache httpd"
        if gateway == "varnish":
            out = subprocess.run([find_binary("varnishd"), "-V"], capture_output=True, text=True,
                                 timeout=10)
            m = re.search(r"varnish-(\S+)", out.stdout + out.stderr)
            return f"Varnish {m.group(1)}" if m else "Varnish"
        if gateway == "squid":
            out = subprocess.run([find_binary("squid"), "-v"], capture_output=True, text=True,
                                 timeout=10)
            m = re.search(r"Version (\S+)", out.stdout)
            return f"Squid {m.group(1)}" if m else "Squid"
        if gateway == "lighttpd":
            out = subprocess.run([find_binary("lighttpd"), "-v"], capture_output=True, text=True,
                                 timeout=10)
            m = re.search(r"lighttpd/(\S+)", out.stdout)
            return f"lighttpd {m.group(1)}" if m else "lighttpd"
        if gateway == "caddy":
            out = subprocess.run(["caddy", "version"], capture_output=True, text=True, timeout=10)
            return f"Caddy {out.stdout.split()[0]}" if out.stdout else "Caddy"
    except (OSError, subprocess.SubprocessError):
        pass
    return gateway


# ------------------------------------------------------------------------------------------
# gateway configurations
# ------------------------------------------------------------------------------------------


def cfg_nginx(d):
    servers = []
    for sc in SCENARIOS:
        servers.append(
            f"    server {{\n        listen 127.0.0.1:{gw_port('nginx', sc)};\n"
            f"        location / {{ proxy_pass http://127.0.0.1:{up_port(sc)}; }}\n    }}\n")
    tmp = d / "tmp"
    conf = f"""# generated by tests/gateways/lab.py
{"user root root;" if is_root() else ""}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    proxy_connect_timeout {PROXY_TIMEOUT_S}s;
    proxy_send_timeout {PROXY_TIMEOUT_S}s;
    proxy_read_timeout {PROXY_TIMEOUT_S}s;
{"".join(servers)}}}
"""
    (d / "tmp").mkdir(exist_ok=True)
    (d / "nginx.conf").write_text(conf)
    cmd = [find_binary("nginx"), "-e", str(d / "error.log"), "-p", str(d) + "/", "-c",
           str(d / "nginx.conf")]
    return cmd, d / "error.log", {}


def cfg_haproxy(d):
    parts = [f"""# generated by tests/gateways/lab.py
global
    maxconn 256
    pidfile {d}/haproxy.pid
    log stdout format raw local0 info

defaults
    mode http
    log global
    option httplog
    timeout connect {PROXY_TIMEOUT_S}s
    timeout client 10s
    timeout server {PROXY_TIMEOUT_S}s
    timeout http-request 10s
"""]
    for sc in SCENARIOS:
        parts.append(f"""
frontend f_{sc}
    bind 127.0.0.1:{gw_port('haproxy', sc)}
    default_backend b_{sc}

backend b_{sc}
    server app 127.0.0.1:{up_port(sc)}
""")
    (d / "haproxy.cfg").write_text("".join(parts))
    cmd = [find_binary("haproxy"), "-db", "-f", str(d / "haproxy.cfg")]
    return cmd, d / "console.log", {}


def cfg_apache(d):
    mods = "/usr/lib/apache2/modules"
    (d / "run").mkdir(exist_ok=True)
    listens = []
    vhosts = []
    for sc in SCENARIOS:
        port = gw_port("apache", sc)
        listens.append(f"Listen 127.0.0.1:{port}\n")
        vhosts.append(f"""<VirtualHost 127.0.0.1:{port}>
    <Location />
        Require all granted
    </Location>
    ProxyPass / http://127.0.0.1:{up_port(sc)}/ connectiontimeout={PROXY_TIMEOUT_S} timeout={PROXY_TIMEOUT_S} retry=0
    ProxyPassReverse / http://127.0.0.1:{up_port(sc)}/
</VirtualHost>
""")
    user = ""
    if is_root():
        user = "User nobody\nGroup nogroup\n" if user_exists("nobody") else ""
    conf = f"""# generated by tests/gateways/lab.py
ServerRoot {d}
ServerName 127.0.0.1
PidFile {d}/apache.pid
DefaultRuntimeDir {d}/run
Mutex file:{d}/run default
ErrorLog {d}/error.log
LogLevel warn
LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{{Referer}}i\\" \\"%{{User-Agent}}i\\"" combined
CustomLog {d}/access.log combined
{user}LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authn_core_module {mods}/mod_authn_core.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule proxy_module {mods}/mod_proxy.so
LoadModule proxy_http_module {mods}/mod_proxy_http.so
StartServers 1
ServerLimit 1
ThreadsPerChild 32
MaxRequestWorkers 32
MinSpareThreads 4
MaxSpareThreads 32
Timeout 10
# Debian's default conf-enabled/security.conf:
ServerTokens OS
ServerSignature On
TraceEnable Off
{"".join(listens)}
{"".join(vhosts)}"""
    (d / "httpd.conf").write_text(conf)
    cmd = [find_binary("apache2"), "-f", str(d / "httpd.conf"), "-DFOREGROUND"]
    return cmd, d / "error.log", {}


def cfg_varnish(d):
    backends = []
    routes = []
    for sc in SCENARIOS:
        backends.append(f"""backend {sc} {{
    .host = "127.0.0.1";
    .port = "{up_port(sc)}";
    .connect_timeout = {PROXY_TIMEOUT_S}s;
    .first_byte_timeout = {PROXY_TIMEOUT_S}s;
    .between_bytes_timeout = {PROXY_TIMEOUT_S}s;
}}
""")
        routes.append(f'    if (local.socket == "{sc}") {{ set req.backend_hint = {sc}; }}\n')
    vcl = f"""vcl 4.1;
# generated by tests/gateways/lab.py: one listen socket per scenario, routed by socket name.
{"".join(backends)}
sub vcl_recv {{
{"".join(routes)}}}
"""
    (d / "default.vcl").write_text(vcl)
    work = d / "work"
    work.mkdir(exist_ok=True)
    cmd = [find_binary("varnishd"), "-F", "-n", str(work), "-f", str(d / "default.vcl"),
           "-s", "malloc,32m", "-j", "none", "-T", "none",
           "-p", "thread_pools=1", "-p", "thread_pool_min=10", "-p", "thread_pool_max=100"]
    for sc in SCENARIOS:
        cmd += ["-a", f"{sc}=127.0.0.1:{gw_port('varnish', sc)},HTTP"]
    return cmd, d / "console.log", {}


def cfg_squid(d):
    lines = [f"""# generated by tests/gateways/lab.py: Squid as a reverse proxy (accel mode)
visible_hostname gwlab
pid_filename {d}/squid.pid
cache_log {d}/cache.log
access_log stdio:{d}/access.log
cache_store_log none
coredump_dir {d}
cache_mem 8 MB
dns_nameservers 127.0.0.1
pinger_enable off
icp_port 0
htcp_port 0
shutdown_lifetime 1 seconds
connect_timeout {PROXY_TIMEOUT_S} seconds
peer_connect_timeout {PROXY_TIMEOUT_S} seconds
read_timeout {PROXY_TIMEOUT_S} seconds
request_timeout 10 seconds
forward_timeout 10 seconds
never_direct allow all
acl lab_client src 127.0.0.1/32
http_access allow lab_client
http_access deny all
"""]
    if is_root():
        lines.append("cache_effective_user proxy\n" if user_exists("proxy") else "")
    for sc in SCENARIOS:
        lines.append(f"""
http_port 127.0.0.1:{gw_port('squid', sc)} accel defaultsite=127.0.0.1 name=p_{sc}
cache_peer 127.0.0.1 parent {up_port(sc)} 0 no-query no-digest originserver name=peer_{sc}
acl a_{sc} myportname p_{sc}
cache_peer_access peer_{sc} allow a_{sc}
cache_peer_access peer_{sc} deny all
""")
    (d / "squid.conf").write_text("".join(lines))
    if is_root() and user_exists("proxy"):
        pw = pwd.getpwnam("proxy")
        for p in [d, *d.iterdir()]:
            os.chown(p, pw.pw_uid, pw.pw_gid)
    cmd = [find_binary("squid"), "-N", "-f", str(d / "squid.conf")]
    return cmd, d / "cache.log", {}


def cfg_lighttpd(d):
    www = d / "www"
    www.mkdir(exist_ok=True)
    blocks = []
    for sc in SCENARIOS:
        blocks.append(f"""$SERVER["socket"] == "127.0.0.1:{gw_port('lighttpd', sc)}" {{
    proxy.server = ( "" => ( ( "host" => "127.0.0.1", "port" => {up_port(sc)},
                               "connect-timeout" => {PROXY_TIMEOUT_S},
                               "read-timeout" => {PROXY_TIMEOUT_S},
                               "write-timeout" => {PROXY_TIMEOUT_S} ) ) )
}}
""")
    user = ""
    if is_root() and user_exists("nobody"):
        user = 'server.username = "nobody"\nserver.groupname = "nogroup"\n'
    conf = f"""# generated by tests/gateways/lab.py
server.modules = ( "mod_proxy", "mod_accesslog" )
accesslog.filename = "{d}/access.log"
server.document-root = "{www}"
server.bind = "127.0.0.1"
server.port = {gw_port('lighttpd', 'refused') + 99}
server.pid-file = "{d}/lighttpd.pid"
server.errorlog = "{d}/error.log"
{user}{"".join(blocks)}"""
    (d / "lighttpd.conf").write_text(conf)
    if user:  # lighttpd opens its error log after dropping privileges
        pw = pwd.getpwnam("nobody")
        os.chown(d, pw.pw_uid, pw.pw_gid)
    cmd = [find_binary("lighttpd"), "-D", "-f", str(d / "lighttpd.conf")]
    return cmd, d / "error.log", {}


def cfg_caddy(d):
    sites = []
    for sc in SCENARIOS:
        sites.append(f"""http://:{gw_port('caddy', sc)} {{
    bind 127.0.0.1
    log {{
        output file {d}/access.log
        format json
    }}
    reverse_proxy 127.0.0.1:{up_port(sc)} {{
        transport http {{
            dial_timeout {PROXY_TIMEOUT_S}s
            response_header_timeout {PROXY_TIMEOUT_S}s
        }}
    }}
}}
""")
    conf = f"""# generated by tests/gateways/lab.py
{{
    admin off
    auto_https off
    storage file_system {d}/data
    log {{
        output file {d}/caddy.log
        format json
    }}
}}
{"".join(sites)}"""
    (d / "Caddyfile").write_text(conf)
    env = {"HOME": str(d), "XDG_DATA_HOME": str(d / "xdg-data"),
           "XDG_CONFIG_HOME": str(d / "xdg-config")}
    cmd = [find_binary("caddy"), "run", "--config", str(d / "Caddyfile"), "--adapter",
           "caddyfile"]
    return cmd, d / "console.log", env


CONFIGS = {
    "nginx": cfg_nginx,
    "haproxy": cfg_haproxy,
    "apache": cfg_apache,
    "varnish": cfg_varnish,
    "squid": cfg_squid,
    "lighttpd": cfg_lighttpd,
    "caddy": cfg_caddy,
}

# A process we started is recognised by this word in its command line before we signal it.
PROC_MARK = {
    "upstreams": "upstreams.py",
    "nginx": "nginx",
    "haproxy": "haproxy",
    "apache": "apache2",
    "varnish": "varnishd",
    "squid": "squid",
    "lighttpd": "lighttpd",
    "caddy": "caddy",
}

# ------------------------------------------------------------------------------------------
# up / down
# ------------------------------------------------------------------------------------------


def load_pids(state):
    try:
        return json.loads((state / "pids.json").read_text())
    except (OSError, ValueError):
        return {}


def save_pids(state, pids):
    (state / "pids.json").write_text(json.dumps(pids, indent=1))


def spawn(cmd, console, env_extra, cwd):
    env = dict(os.environ)
    env.update(env_extra)
    out = open(console, "ab")
    try:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=cwd, env=env, start_new_session=True)
    finally:
        out.close()


def ours(pid, name):
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace")
    except OSError:
        return False
    return PROC_MARK.get(name, name) in cmdline


def stop_group(name, pid):
    """SIGTERM the process group we started, then SIGKILL after STOP_TIMEOUT_S (bounded)."""
    if not ours(pid, name):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        err(f"cannot signal {name} (pid {pid})")
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if not ours(pid, name):
            break
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    # Reap if it is our child.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def cmd_down(state):
    state = Path(state).resolve()
    pids = load_pids(state)
    if not pids:
        log(f"down: nothing recorded in {state}/pids.json")
        return 0
    for name in [*GATEWAYS, "upstreams"]:
        pid = pids.get(name)
        if pid:
            stop_group(name, pid)
            log(f"down: stopped {name} (pid {pid})")
    save_pids(state, {})
    return 0


def cmd_up(state, only=None):
    state = Path(state).resolve()
    state.mkdir(parents=True, exist_ok=True)
    os.chmod(state, 0o755)  # gateways drop privileges (squid: proxy, apache: nobody)
    if load_pids(state):
        log("up: previous run found in this state dir: stopping it first")
        cmd_down(state)
    if not ensure_installed():
        return 1

    busy = [p for p in [*range(UPSTREAM_BASE, UPSTREAM_BASE + len(SCENARIOS)),
                        *(gw_port(g, s) for g in GATEWAYS for s in SCENARIOS)] if port_open(p)]
    if busy:
        err(f"ports already in use on 127.0.0.1: {busy[:12]}{' …' if len(busy) > 12 else ''}"
            " (another lab running? try `lab.py down --state DIR`)")
        return 1

    pids = {}
    failed = []
    up_log = state / "upstreams.log"
    proc = spawn([sys.executable, str(UPSTREAMS_PY), "--base-port", str(UPSTREAM_BASE),
                  "--hang-s", "30", "--lifetime-s", "3600"], up_log, {}, state)
    pids["upstreams"] = proc.pid
    save_pids(state, pids)
    pending = wait_ports([up_port(s) for s in SCENARIOS if s != "refused"], proc, 10.0)
    if pending:
        err(f"upstreams did not start (ports {pending} not listening):\n{tail(up_log)}")
        cmd_down(state)
        return 1
    log(f"up: upstreams on 127.0.0.1:{UPSTREAM_BASE}-{UPSTREAM_BASE + len(SCENARIOS) - 1} "
        f"(pid {proc.pid})")

    started = []
    for gw in GATEWAYS:
        if only and gw not in only:
            continue
        d = state / gw
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        os.chmod(d, 0o755)
        cmd, errlog, env = CONFIGS[gw](d)
        console = d / "console.log"
        p = spawn(cmd, console, env, d)
        pids[gw] = p.pid
        save_pids(state, pids)
        ports = [gw_port(gw, s) for s in SCENARIOS]
        pending = wait_ports(ports, p, START_TIMEOUT_S)
        if pending:
            rc = p.poll()
            why = f"exited with code {rc}" if rc is not None else "ports never opened"
            msg = f"{gw} failed to start ({why}; not listening on {pending})\n  command: " \
                  f"{' '.join(cmd)}\n--- {errlog} (tail) ---\n{tail(errlog)}"
            if errlog != console:
                msg += f"\n--- {console} (tail) ---\n{tail(console)}"
            err(msg)
            stop_group(gw, p.pid)
            pids.pop(gw, None)
            save_pids(state, pids)
            failed.append(gw)
            continue
        started.append(gw)
        log(f"up: {gw} on 127.0.0.1:{ports[0]}-{ports[-1]} (pid {p.pid})")

    endpoints = []
    for gw in started:
        for sc in SCENARIOS:
            exp = expected(gw, sc)
            exp.pop("status", None)
            endpoints.append({"url": f"http://127.0.0.1:{gw_port(gw, sc)}/", "gateway": gw,
                              "scenario": sc, "expected": exp})
    (state / "endpoints.json").write_text(json.dumps(endpoints, indent=1) + "\n")
    log(f"up: {len(endpoints)} endpoints in {state / 'endpoints.json'}")
    if failed:
        err(f"gateways that failed to start: {', '.join(failed)}")
        return 1
    return 0


# ------------------------------------------------------------------------------------------
# capture
# ------------------------------------------------------------------------------------------


def load_endpoints(state):
    path = Path(state).resolve() / "endpoints.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        err(f"cannot read {path} ({e}); run `lab.py up --state {state}` first")
        return None


def curl(url):
    try:
        out = subprocess.run(["curl", "-si", "--max-time", "10", url], capture_output=True,
                             timeout=20)
        return out.returncode, out.stdout, out.stderr.decode(errors="replace").strip()
    except subprocess.TimeoutExpired:
        return 28, b"", "timed out"


def parse_status(raw):
    m = re.match(rb"HTTP/[0-9.]+ (\d{3})", raw)
    return int(m.group(1)) if m else None


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def cmd_capture(state, out):
    endpoints = load_endpoints(state)
    if endpoints is None:
        return 1
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    versions = {gw: version_of(gw) for gw in GATEWAYS}

    def one(ep):
        return ep, curl(ep["url"])

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, endpoints))

    cases = []
    problems = 0
    for ep, (rc, raw, stderr) in results:
        gw, sc = ep["gateway"], ep["scenario"]
        name = f"{gw}-{sc}.http"
        exp = expected(gw, sc)
        status = parse_status(raw)
        if exp.get("status") is None and status is None:
            log(f"capture: {name:28s} curl rc={rc}: no HTTP response as expected ({stderr}); "
                "not a corpus case")
            stale = out / name
            if stale.exists():
                stale.unlink()
            continue
        (out / name).write_bytes(raw)
        flag = ""
        if status != exp.get("status"):
            flag = f"  <-- status differs from the label ({exp.get('status')})"
            problems += 1
        log(f"capture: {name:28s} curl rc={rc} status={status} bytes={len(raw)}{flag}"
            + (f" ({stderr})" if rc else ""))
        case = [f'file = {toml_str(name)}', f'error = {"true" if exp["error"] else "false"}']
        if exp.get("generator"):
            case.append(f'generator = {toml_str(exp["generator"])}')
        if exp.get("category"):
            case.append(f'category = {toml_str(exp["category"])}')
        if exp.get("cause"):
            case.append(f'cause = {toml_str(exp["cause"])}')
        case.append(f'source = {toml_str(f"captured: {versions[gw]} (Debian 12) on 127.0.0.1 — upstream {sc}")}')
        note = NOTES.get((gw, sc))
        if note:
            case.append(f"note = {toml_str(note)}")
        cases.append("[[case]]\n" + "\n".join(case) + "\n")
    header = (
        "# Captured by tests/gateways/lab.py capture: real gateways (Debian 12 packages) in front of\n"
        "# misbehaving upstreams on 127.0.0.1. Labels checked by looking at every capture; see the\n"
        "# EXPECTED/NOTES tables in tests/gateways/lab.py. Upstream scenarios: refused (port\n"
        "# closed), hung (never answers; proxy timeouts 3 s), garbage (non-HTTP bytes), reset (RST\n"
        "# after the request), oversized (valid 200 with a 64 KB header), app500/app502/app503 (the\n"
        "# application's own pages, Server: gunicorn; 503 with Retry-After: 120), healthy200.\n"
        "# nginx-garbage has no case: nginx passes the garbage on as HTTP/0.9, which curl refuses.\n\n")
    (out / "index.toml").write_text(header + "\n".join(cases))
    log(f"capture: {len(cases)} cases written to {out}" +
        (f"; {problems} status mismatches against the labels" if problems else ""))
    return 1 if problems else 0


# ------------------------------------------------------------------------------------------
# live
# ------------------------------------------------------------------------------------------


def run_check(gwdoctor, url, timeout_s=40):
    try:
        out = subprocess.run([gwdoctor, "check", url, "--json"], capture_output=True,
                             timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, f"gwdoctor timed out after {timeout_s}s"
    except OSError as e:
        return None, f"cannot run {gwdoctor}: {e}"
    text = out.stdout.decode(errors="replace").strip()
    try:
        return json.loads(text), None
    except ValueError:
        return None, (f"no verdict JSON (exit {out.returncode}): "
                      f"{(text or out.stderr.decode(errors='replace')).strip()[:200]}")


def cmd_live(state, gwdoctor, workers=4):
    endpoints = load_endpoints(state)
    if endpoints is None:
        return 1
    if not (os.path.isfile(gwdoctor) and os.access(gwdoctor, os.X_OK)):
        err(f"gwdoctor binary not found or not executable: {gwdoctor}")
        return 1

    def one(ep):
        return ep, run_check(gwdoctor, ep["url"])

    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, endpoints))
    for ep, (verdict, problem) in results:
        exp = ep["expected"]
        want_vendor = exp.get("generator") if exp["error"] else None
        label = f"{ep['gateway']}-{ep['scenario']}"
        if verdict is None:
            failed += 1
            log(f"FAIL {label:22s} {problem}")
            continue
        gen = verdict.get("generator")
        got_vendor = gen.get("vendor") if isinstance(gen, dict) else None
        got_error = verdict.get("error")
        ok = got_error == exp["error"] and got_vendor == want_vendor
        got = f"error={json.dumps(got_error)} generator={got_vendor} status={verdict.get('status')}"
        want = f"error={json.dumps(exp['error'])} generator={want_vendor}"
        if ok:
            passed += 1
            log(f"ok   {label:22s} {got}")
        else:
            failed += 1
            log(f"FAIL {label:22s} got {got}; expected {want}")
    log(f"live: {passed} passed, {failed} failed")
    return 1 if failed else 0


def run_in_lab(name, check, gwdoctor, state=None):
    """up, `check(state, gwdoctor)`, down: in a temporary state dir unless `state` is given (then
    kept, with the gateways' logs, for a look afterwards)."""
    t0 = time.monotonic()
    keep = state is not None
    state = Path(state) if keep else Path(tempfile.mkdtemp(prefix=f"gwlab-{name}-"))
    rc = 1
    try:
        rc_up = cmd_up(state)
        if rc_up != 0 and load_endpoints(state) is None:
            return 1
        rc = check(state, gwdoctor)
        if rc_up != 0:
            rc = 1
    finally:
        cmd_down(state)
        if not keep:
            shutil.rmtree(state, ignore_errors=True)
        log(f"run-{name}: {time.monotonic() - t0:.1f}s")
    return rc


# ------------------------------------------------------------------------------------------
# logs
# ------------------------------------------------------------------------------------------


def request_every_endpoint(endpoints):
    """One request per endpoint, at /<scenario>, so each log line names its scenario."""
    def one(ep):
        return curl(f"{ep['url']}{ep['scenario']}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, endpoints))


def matches(group, gateway, scenario):
    """Whether a group of `gwdoctor logs --json` is about this gateway's scenario."""
    path = f"/{scenario}"
    for req in group.get("requests") or []:
        for token in req.split(" "):
            if token == path or token.endswith(f":{gw_port(gateway, scenario)}{path}"):
                return True
    upstream, site = group.get("upstream"), group.get("site")
    return (upstream in (f"127.0.0.1:{up_port(scenario)}", f"b_{scenario}/app")
            or site in (f"127.0.0.1:{gw_port(gateway, scenario)}", f"f_{scenario}"))


def judge(report, gateway, scenario, want):
    """(ok, what the report says) for one scenario."""
    kind, value = want
    failures = [g for g in report["failures"] if matches(g, gateway, scenario)]
    statuses = [g for g in report["error_statuses"] if matches(g, gateway, scenario)]
    causes = sorted({f"{g['cause']} ({g['reason']})" for g in failures})
    got_causes = sorted({g["cause"] for g in failures})
    got = ", ".join(causes) if causes else (
        "status " + ", ".join(str(g["status"]) for g in statuses) if statuses else "nothing")
    if kind == "cause":
        return got_causes == [value], got
    if kind == "status":
        return not failures and any(g["status"] == value for g in statuses), got
    return not failures and not statuses, got


def run_gwdoctor_logs(gwdoctor, files, timeout_s=60):
    try:
        out = subprocess.run([gwdoctor, "logs", "--json", *map(str, files)], capture_output=True,
                             timeout=timeout_s)
    except (subprocess.TimeoutExpired, OSError) as e:
        return None, f"cannot run {gwdoctor} logs: {e}"
    try:
        return json.loads(out.stdout), None
    except ValueError:
        return None, (f"no JSON (exit {out.returncode}): "
                      f"{out.stderr.decode(errors='replace').strip()[:300]}")


def cmd_logs(state, gwdoctor):
    endpoints = load_endpoints(state)
    if endpoints is None:
        return 1
    if not (os.path.isfile(gwdoctor) and os.access(gwdoctor, os.X_OK)):
        err(f"gwdoctor binary not found or not executable: {gwdoctor}")
        return 1
    request_every_endpoint(endpoints)
    time.sleep(1.0)  # let buffered log writers (Squid) flush
    state = Path(state).resolve()
    started = sorted({ep["gateway"] for ep in endpoints}, key=GATEWAYS.index)
    passed = failed = 0
    for gw in started:
        files = [state / gw / f for f in LOG_FILES[gw] if (state / gw / f).is_file()]
        report, problem = (None, None)
        if files:
            report, problem = run_gwdoctor_logs(gwdoctor, files)
        for sc in SCENARIOS:
            want = LOG_EXPECTED[gw][sc]
            label = f"{gw}-{sc}"
            if want[0] == "no-log":
                passed += 1
                log(f"ok   {label:22s} no log: {want[1]}")
                continue
            if report is None:
                failed += 1
                log(f"FAIL {label:22s} {problem or 'no log files written'}")
                continue
            ok, got = judge(report, gw, sc, want)
            shown = f"{want[0]} {want[1]}"
            if ok:
                passed += 1
                log(f"ok   {label:22s} {got}")
            else:
                failed += 1
                log(f"FAIL {label:22s} got {got}; expected {shown}")
    log(f"logs: {passed} passed, {failed} failed")
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description="Gateway Doctor real-gateway lab")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("up")
    p.add_argument("--state", required=True)
    p.add_argument("--only", help="comma-separated gateways to start (default: all)")
    p = sub.add_parser("down")
    p.add_argument("--state", required=True)
    p = sub.add_parser("capture")
    p.add_argument("--state", required=True)
    p.add_argument("--out", default=str(HERE.parent / "corpus" / "captured"))
    p = sub.add_parser("live")
    p.add_argument("--state", required=True)
    p.add_argument("--gwdoctor", required=True)
    p = sub.add_parser("run-live")
    p.add_argument("--gwdoctor", required=True)
    p = sub.add_parser("logs")
    p.add_argument("--state", required=True)
    p.add_argument("--gwdoctor", required=True)
    p = sub.add_parser("run-logs")
    p.add_argument("--gwdoctor", required=True)
    p.add_argument("--state", help="state dir to use and keep (default: a temp dir, removed)")
    args = ap.parse_args()

    if args.cmd == "up":
        return cmd_up(args.state, args.only.split(",") if args.only else None)
    if args.cmd == "down":
        return cmd_down(args.state)
    if args.cmd == "capture":
        return cmd_capture(args.state, args.out)
    if args.cmd == "live":
        return cmd_live(args.state, args.gwdoctor)
    if args.cmd == "run-live":
        return run_in_lab("live", cmd_live, args.gwdoctor)
    if args.cmd == "logs":
        return cmd_logs(args.state, args.gwdoctor)
    if args.cmd == "run-logs":
        return run_in_lab("logs", cmd_logs, args.gwdoctor, args.state)
    return 2


if __name__ == "__main__":
    sys.exit(main())
