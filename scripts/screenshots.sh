#!/usr/bin/env bash
# Regenerates the README's screenshots (docs/screenshot-*.png) from the real
# window on a virtual X display.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
export XDG_CONFIG_HOME="$(mktemp -d)"   # fresh settings
xvfb-run -a -s "-screen 0 1280x800x24" ./build/tests/benchmarks/make_screenshots docs
rm -rf "$XDG_CONFIG_HOME"
