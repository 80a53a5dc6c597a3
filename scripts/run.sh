#!/usr/bin/env bash
# The main job: builds gwdoctor (release) and, given a URL, checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p gwdoctor
echo "built: $(pwd)/target/release/gwdoctor"
if [ $# -gt 0 ]; then
  exec target/release/gwdoctor check "$@"
fi
target/release/gwdoctor --help
