#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine, skipping what is already there:
# the wasm32 target, the real gateways the corpus and live tests run, curl.
set -euo pipefail

need_apt=()
for pair in nginx:nginx-light haproxy:haproxy apache2:apache2 varnishd:varnish squid:squid \
            lighttpd:lighttpd caddy:caddy curl:curl chromium:chromium; do
  bin=${pair%%:*} pkg=${pair##*:}
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian starts the packaged services on install; the tests run their own instances on 127.0.0.1.
for svc in nginx haproxy apache2 varnish squid lighttpd caddy; do
  service "$svc" stop >/dev/null 2>&1 || true
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
