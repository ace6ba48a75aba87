#!/usr/bin/env bash
# One command: install dependencies, build, and start the DiffScope desktop app.
# Without a display (e.g. over SSH) it runs on a virtual one (Xvfb) and saves a
# screenshot to diffscope-screenshot.png after the first generation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec ./build/ui/diffscope "$@"
fi
echo "No display: running on a virtual X display; the screenshot goes to diffscope-screenshot.png"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  ./build/ui/diffscope --prompt "${PROMPT:-cat}" --generate "$@" &
  app=$!
  sleep "${SCREENSHOT_AFTER:-15}"
  import -window root diffscope-screenshot.png 2>/dev/null || echo "(install imagemagick for the screenshot)"
  kill $app' bash "$@"
