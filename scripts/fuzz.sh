#!/usr/bin/env bash
# Runs a cargo-fuzz target for a while: scripts/fuzz.sh TARGET SECONDS
# Installs cargo-fuzz when missing. The toolchain here is stable, so RUSTC_BOOTSTRAP=1 lets
# cargo-fuzz use the sanitizer flags it needs. Seeds: the response corpus for parse_classify,
# fuzz/seeds/TARGET for the others.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:-60}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install --quiet cargo-fuzz
mkdir -p "corpus/$target"
if [ "$target" = parse_classify ]; then
  # Several corpus folders hold files of one name: keep the folder in the copy's name.
  for file in ../tests/corpus/*/*.http; do
    cp "$file" "corpus/$target/$(basename "$(dirname "$file")")-$(basename "$file")"
  done
elif [ -d "seeds/$target" ]; then
  cp "seeds/$target"/* "corpus/$target/"
fi
log=$(mktemp)
status=0
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -max_len=65536 \
  -rss_limit_mb=4096 -print_final_stats=1 >"$log" 2>&1 || status=$?
grep -E "stat::number_of_executed_units|^Done|ERROR|panicked|SUMMARY" "$log" || tail -20 "$log"
rm -f "$log"
echo "fuzz $target: $([ $status -eq 0 ] && echo "no crash in ${seconds} s" || echo "FAILED (exit $status)")"
exit $status
