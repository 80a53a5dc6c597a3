#!/usr/bin/env bash
# Runs every test of the repository. Installs what it needs first (scripts/setup-test-deps.sh).
# Each stage is bounded in time; the last line says how many stages passed and failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-deps.sh || { echo "setup failed"; echo "suite: 0 passed, 1 failed"; exit 1; }

passed=0 failed=0 failures=()
stage() {
  local name=$1 limit=$2; shift 2
  echo "=== $name"
  local start=$SECONDS
  if timeout --kill-after=10 "$limit" "$@"; then
    passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($((SECONDS - start)) s)"
  fi
}

stage "format"            120  cargo fmt --all -- --check
stage "clippy"            900  cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
stage "docs"              300  env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --workspace --locked
stage "unit + corpus"     900  cargo test --workspace --all-features --locked
stage "core, regex-lite engine" 600  cargo test -p gwdoctor-core --no-default-features --features toml,embedded-db --locked
stage "native host in chromium" 300  cargo test -p gwdoctor --test browser --locked -- --ignored
stage "build extension"   900  bash scripts/build-extension.sh
stage "e2e chromium"      600  bash tests/e2e/run.sh chromium
stage "e2e firefox"       300  bash tests/e2e/run.sh firefox
stage "checker page"      300  bash tests/serve/run.sh
stage "scale-out behind nginx" 180  bash tests/scale/run.sh
stage "fuzz parse_classify" 1500  bash scripts/fuzz.sh parse_classify 60
stage "fuzz native_frame"  1200  bash scripts/fuzz.sh native_frame 60
stage "world view (Globalping stand-in)" 300 python3 tests/globalping/world_test.py --gwdoctor target/debug/gwdoctor
stage "live gateways"     300  python3 tests/gateways/lab.py run-live --gwdoctor target/debug/gwdoctor
stage "gateway logs"      300  python3 tests/gateways/lab.py run-logs --gwdoctor target/debug/gwdoctor

[ ${#failures[@]} -gt 0 ] && echo "failed stages: ${failures[*]}"
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
