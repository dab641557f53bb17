#!/usr/bin/env bash
# Checks the bundled site as readers get it: builds it with the release binary into a
# temporary folder, validates every HTML page with the Nu HTML Checker, then opens it in
# Chromium (check.mjs); then previews a copy with `advocate serve` and checks live reload
# (reload.mjs). Needs java, chromium and `npm ci` in tests/browser (see .ci/run).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

site="$(mktemp -d)"
trap 'rm -rf "$site"' EXIT

echo "== build the bundled site"
cargo run --manifest-path "$root/Cargo.toml" --release --locked --quiet -- \
  --root "$root" build --output-dir "$site/public"

echo "== Nu HTML Checker: every page"
java -jar "$here/node_modules/vnu-jar/build/dist/vnu.jar" --errors-only --skip-non-html "$site/public"
echo "vnu: $(find "$site/public" -name '*.html' | wc -l) pages, 0 errors"

echo "== in Chromium"
node "$here/check.mjs" "$site/public" "$root/site.toml"

echo "== live reload in Chromium"
node "$here/reload.mjs" "$root" "${CARGO_TARGET_DIR:-$root/target}/release/advocate"
