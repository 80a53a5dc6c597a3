#!/usr/bin/env bash
# The main job: builds the browser extension and the wasm core (scripts/build-extension.sh),
# builds gwdoctor (release), and runs the hosted checker on http://127.0.0.1:8080/ serving the
# checker page (www/) and the wasm core (dist/wasm/). Arguments go to `gwdoctor serve`, e.g.
#   scripts/run.sh --allow-private          # also check gateways on this machine / your network
#   scripts/run.sh --listen 127.0.0.1:9090 --config vantage.toml
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
target=${CARGO_TARGET_DIR:-$root/target}

if [ -f scripts/build-extension.sh ]; then
  bash scripts/build-extension.sh
else
  echo "run: scripts/build-extension.sh is missing: serving the page without a freshly built wasm core"
fi
cargo build --release -p gwdoctor
echo
echo "run: gwdoctor          $target/release/gwdoctor"
if [ -f dist/extension-chromium/manifest.json ]; then
  echo "run: the extension     $root/dist/extension-chromium  (chrome://extensions → Developer mode → Load unpacked)"
  echo "                       $root/dist/extension-firefox   (about:debugging → Load Temporary Add-on → manifest.json)"
fi
listen=(--listen 127.0.0.1:8080)
for arg in "$@"; do case $arg in --listen|--listen=*) listen=() ;; esac; done
echo "run: the checker page  http://127.0.0.1:8080/  (unless --listen says otherwise; Ctrl-C stops it)"
echo
exec "$target/release/gwdoctor" serve "${listen[@]}" --www www --wasm dist/wasm "$@"
