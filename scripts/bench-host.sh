#!/usr/bin/env bash
# Native host cold start to first reply (the browser spawns gwdoctor per connection): builds the
# bench profile and prints median / p90 / min / max over 200 spawns. Figures only, no threshold.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p gwdoctor --bench host_cold_start "$@"
