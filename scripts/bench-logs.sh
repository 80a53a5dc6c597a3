#!/usr/bin/env bash
# Throughput and memory of `gwdoctor logs` (release build) on a large log built by repeating the
# real lines of crates/logs/tests/fixtures (every gateway's error and access logs, failures and
# quiet lines alike; lines over 4 KiB left out: the one 69 KB Caddy line would be most of the
# bytes and is skipped almost for free). Runs it on SIZE_MB/8 and SIZE_MB to show memory stays
# flat, and prints MB/s and peak RSS (/usr/bin/time -v). Not part of the suite: no timed assert.
#
#   scripts/bench-logs.sh [SIZE_MB]      (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked -p gwdoctor >&2
bin=$target/release/gwdoctor
work=$(mktemp -d /tmp/bench-logs.XXXXXX)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$size_mb" <<'PY'
import glob, sys
work, size_mb = sys.argv[1], int(sys.argv[2])
lines = []
for path in sorted(glob.glob("crates/logs/tests/fixtures/*.log")):
    with open(path, "rb") as f:
        lines += [l for l in f.read().splitlines(keepends=True) if len(l) <= 4096]
seed = b"".join(lines)
block = seed * (1 + (1 << 20) // len(seed))
for name, mb in (("small.log", max(1, size_mb // 8)), ("big.log", size_mb)):
    with open(f"{work}/{name}", "wb") as out:
        for _ in range(mb * (1 << 20) // len(block) + 1):
            out.write(block)
print(f"seed: {len(lines)} real lines, {len(seed)} bytes", file=sys.stderr)
PY

for name in small.log big.log; do
  file=$work/$name
  bytes=$(stat -c %s "$file")
  cat "$file" > /dev/null  # into the page cache: measure the reader, not the disk
  start=$(date +%s.%N)
  /usr/bin/time -v "$bin" logs --json "$file" > "$work/report.json" 2> "$work/time.txt" || true
  end=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
  python3 - "$bytes" "$start" "$end" "$rss" "$work/report.json" "$name" <<'PY'
import json, sys
size, start, end, rss, report, name = sys.argv[1:]
size, secs = int(size), float(sys.argv[3]) - float(sys.argv[2])
r = json.load(open(report))
failures = sum(g["count"] for g in r["failures"]) + sum(g["count"] for g in r["error_statuses"])
print(f"{name}: {size / 1e6:,.0f} MB, {r['lines']:,} lines ({r['recognised']:,} recognised, "
      f"{failures:,} failures) in {secs:.2f} s: {size / 1e6 / secs:,.0f} MB/s, "
      f"peak RSS {int(rss) / 1024:.1f} MiB")
PY
done
