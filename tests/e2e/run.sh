#!/usr/bin/env bash
# Runs the browser end-to-end tests: `chromium` (the extension in headless Chromium against real
# nginx, the native-messaging round trip with the gwdoctor host, a real checker as vantage point)
# or `firefox` (the smoke test
# under web-ext). Installs what is missing first, skipping what is there: chromium, firefox-esr,
# nginx and node from apt, the node packages of package-lock.json. Expects the extension built by
# scripts/build-extension.sh.
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
which=${1:?usage: run.sh chromium|firefox}

need_apt=()
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || need_apt+=(nginx-light)
case $which in
  chromium) [ -x /usr/bin/chromium ] || need_apt+=(chromium) ;;
  firefox) [ -x /usr/bin/firefox-esr ] || need_apt+=(firefox-esr) ;;
  *) echo "run.sh: unknown suite $which (chromium or firefox)"; exit 2 ;;
esac
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "e2e: installing ${need_apt[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "e2e: npm ci"
  npm ci --no-audit --no-fund --silent
fi

case $which in
  chromium)
    CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} cargo build -p gwdoctor --locked --quiet
    node --test --test-concurrency=1 chromium.test.js native.test.js vantage.test.js voice.test.js replay.test.js ;;
  firefox)
    node --test firefox.test.js ;;
esac
