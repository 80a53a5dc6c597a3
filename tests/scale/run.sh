#!/usr/bin/env bash
# Scale-out behind a real cache: nginx (deploy/nginx-checker.conf) before two `gwdoctor serve`
# instances on loopback, 1,000 concurrent checks from 1,000 source addresses (tests/scale/scale.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -q -p gwdoctor --locked
target=${CARGO_TARGET_DIR:-target}
exec timeout --kill-after=5 120 python3 tests/scale/scale.py --gwdoctor "$target/debug/gwdoctor" \
  --config deploy/nginx-checker.conf --www www
