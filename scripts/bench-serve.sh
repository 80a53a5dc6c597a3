#!/usr/bin/env bash
# Load benchmark of `gwdoctor serve`, on loopback only, with wrk (apt):
#   1. cached checks: one URL (a real nginx 502 before a dead upstream) asked over and over;
#   2. uncached checks: a new URL every request, each one a real probe of that nginx;
#   3. 1,000 concurrent checks of a hung upstream (accepts, never answers), each a new URL:
#      the server's resident memory and open file descriptors are sampled throughout and the
#      peaks printed, with the most connections the hung upstream ever saw at once.
# Prints throughput and latency percentiles (p50, p99). Usage: scripts/bench-serve.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-10}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}

command -v wrk >/dev/null || { echo "bench-serve: installing wrk from apt"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "bench-serve: nginx is needed (scripts/setup-test-deps.sh)"; exit 1; }
cargo build --release -p gwdoctor --locked -q
gwdoctor=$CARGO_TARGET_DIR/release/gwdoctor

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened"; exit 1; }

# A real nginx in front of a port nothing listens on: every request gets nginx's 502 page.
nginx_port=$(free_port) dead_port=$(free_port)
cat > "$work/nginx.conf" <<CONF
daemon off; master_process off; pid $work/nginx.pid; error_log $work/nginx.err; worker_processes 1;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work;
  uwsgi_temp_path $work; scgi_temp_path $work;
  server { listen 127.0.0.1:$nginx_port; location / { proxy_pass http://127.0.0.1:$dead_port; } } }
CONF
"$nginx" -c "$work/nginx.conf" & pids+=($!)

# A hung upstream: accepts, reads, never answers; logs the most connections open at once.
hung_port=$(free_port)
cat > "$work/hung.py" <<'PY'
import asyncio, os, sys
port, report = int(sys.argv[1]), sys.argv[2]
open_now = peak = total = 0
async def hold(reader, writer):
    global open_now, peak, total
    open_now += 1; total += 1; peak = max(peak, open_now)
    with open(report + ".tmp", "w") as f: f.write(f"{peak} {total}\n")
    os.replace(report + ".tmp", report)
    try:
        while await reader.read(4096):
            pass
    finally:
        open_now -= 1
        writer.close()
async def main():
    server = await asyncio.start_server(hold, "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()
asyncio.run(main())
PY
python3 "$work/hung.py" "$hung_port" "$work/hung.peak" & pids+=($!)
wait_port "$nginx_port"; wait_port "$hung_port"

"$gwdoctor" serve --listen 127.0.0.1:0 --allow-private --rate-limit 0 --www www --wasm dist/wasm \
  >"$work/serve.out" 2>&1 & server_pid=$!; pids+=($server_pid)
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.out" | head -1)
[ -n "$base" ] || { cat "$work/serve.out"; exit 1; }
echo "bench-serve: server $base (pid $server_pid), nginx 127.0.0.1:$nginx_port, hung upstream 127.0.0.1:$hung_port"
echo "bench-serve: $(nproc) cores; server defaults: --max-probes 64 --max-connections 512 --queue-wait 10 --timeout 8"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
fds() { ls "/proc/$server_pid/fd" | wc -l; }
summary() { # name, wrk output file
  local rps p50 p99 non2xx errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$2")
  p50=$(awk '$1 == "50%" {print $2}' "$2"); p99=$(awk '$1 == "99%" {print $2}' "$2")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$2"); errors=$(awk '/Socket errors/ {print}' "$2")
  printf 'bench-serve: %-9s %10s req/s   p50 %9s   p99 %9s   non-2xx %s %s\n' "$1" "$rps" "$p50" "$p99" "${non2xx:-0}" "$errors"
}
unique_script() { # a new URL (…?n=counter) for every request, so every check is a cache miss
  cat > "$work/$1.lua" <<LUA
local counter = 0
local thread_id = 0
setup = function(thread) thread_id = thread_id + 1; thread:set("prefix", thread_id) end
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/check?url=http%3A%2F%2F127.0.0.1%3A$2%2F%3Fn%3D" .. prefix .. "-" .. counter)
end
LUA
}

echo "bench-serve: RSS at start $(rss_kb) KiB, $(fds) open fds"
curl -fsS -o /dev/null "${base}api/v1/check?url=http://127.0.0.1:$nginx_port/cached"
wrk -t2 -c64 -d"${seconds}s" --latency "${base}api/v1/check?url=http://127.0.0.1:$nginx_port/cached" > "$work/cached.txt"
summary cached "$work/cached.txt"

unique_script uncached "$nginx_port"
wrk -t2 -c64 -d"${seconds}s" --latency -s "$work/uncached.lua" "$base" > "$work/uncached.txt"
summary uncached "$work/uncached.txt"
echo "bench-serve: after cached+uncached: RSS $(rss_kb) KiB, $(fds) open fds"

# 1,000 concurrent checks of the hung upstream, sampled every 0.2 s.
unique_script hung "$hung_port"
hung_seconds=$(( seconds > 25 ? seconds : 25 ))
( peak_rss=0 peak_fds=0
  while kill -0 "$server_pid" 2>/dev/null; do
    r=$(rss_kb 2>/dev/null || echo 0) f=$(fds 2>/dev/null || echo 0)
    [ "${r:-0}" -gt "$peak_rss" ] && peak_rss=$r
    [ "${f:-0}" -gt "$peak_fds" ] && peak_fds=$f
    echo "$peak_rss $peak_fds" > "$work/peaks.tmp" && mv "$work/peaks.tmp" "$work/peaks"
    sleep 0.2
  done ) & pids+=($!)
wrk -t2 -c1000 -d"${hung_seconds}s" --timeout 60s --latency -s "$work/hung.lua" "$base" > "$work/hung.txt"
summary hung-1000 "$work/hung.txt"
read -r peak_rss peak_fds < "$work/peaks" || true
read -r hung_peak hung_total < "$work/hung.peak" || true
echo "bench-serve: 1000 concurrent checks of a hung upstream for ${hung_seconds} s: peak RSS ${peak_rss} KiB, peak open fds ${peak_fds};" \
     "the hung upstream saw at most ${hung_peak} connections at once (${hung_total} in all)"
codes=$(awk '/Non-2xx/ {print $5}' "$work/hung.txt")
echo "bench-serve: answers that were not 200 (busy 503 after the queue wait): ${codes:-0}"
sleep 12
echo "bench-serve: 12 s after the load: RSS $(rss_kb) KiB, $(fds) open fds"
