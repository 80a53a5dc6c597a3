#!/usr/bin/env bash
# Runs the checker page test: `gwdoctor serve` (two instances) and its page in headless Chromium
# against real nginx on 127.0.0.1. Installs what is missing first, skipping what is there: chromium,
# nginx and node from apt, the node packages of package-lock.json; builds gwdoctor (debug) and the
# wasm core (scripts/build-extension.sh) when they are absent.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
target=${CARGO_TARGET_DIR:-$root/target}

need_apt=()
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_apt+=(nginx-light)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "serve page: installing ${need_apt[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "serve page: npm ci"
  npm ci --no-audit --no-fund --silent
fi
[ -x "$target/debug/gwdoctor" ] || (cd "$root" && cargo build -p gwdoctor --locked)
[ -f "$root/dist/wasm/gwdoctor_wasm.js" ] || bash "$root/scripts/build-extension.sh"
export GWDOCTOR="$target/debug/gwdoctor"
exec node --test --test-concurrency=1 page.test.js
