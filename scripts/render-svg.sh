#!/usr/bin/env bash
# Renders an SVG (e.g. a compare run's curves.svg) with headless Chromium to a PNG, to check that a
# browser displays it. Usage: scripts/render-svg.sh DIR/curves.svg [out.png]
# Needs Debian's chromium (apt-get install chromium).
set -euo pipefail
svg=$(realpath "$1")
png=${2:-${svg%.svg}.png}
size=$(grep -o 'width="[0-9.]*" height="[0-9.]*"' "$svg" | head -1 | sed -E 's/width="([0-9.]*)" height="([0-9.]*)"/\1,\2/' | awk -F, '{printf "%d,%d", $1 + 20, $2 + 20}')
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --window-size="${size:-800,700}" --screenshot="$png" "file://$svg" >/dev/null 2>&1
test -s "$png"
echo "$png"
