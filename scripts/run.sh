#!/usr/bin/env bash
# One command: install dependencies, build, and start the DiffScope desktop app.
# Without a display (e.g. over SSH) it runs on a virtual one (Xvfb) and saves a
# screenshot to diffscope-screenshot.png after the first generation.
#
# LibTorch line: Debian's 1.13 unless this machine has an NVIDIA GPU (or
# DIFFSCOPE_TORCH=pip asks): then LibTorch 2 with CUDA from PyPI's wheel
# (scripts/build.sh --torch pip), a ~5 GB download that a CPU-only machine
# would pay for 15–30 % (docs/PERFORMANCE.md, "Two LibTorch lines").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
torch_line=${DIFFSCOPE_TORCH:-}
if [ -z "$torch_line" ]; then
  torch_line=debian
  if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q "^GPU"; then torch_line=pip; fi
fi
bash scripts/build.sh --torch "$torch_line"
app=./build/ui/diffscope
[ "$torch_line" = pip ] && app=./build-torch2/ui/diffscope
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app" "$@"
fi
echo "No display: running on a virtual X display; the screenshot goes to diffscope-screenshot.png"
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
  "$0" --prompt "${PROMPT:-cat}" --generate "$@" &
  app=$!
  sleep "${SCREENSHOT_AFTER:-15}"
  import -window root diffscope-screenshot.png 2>/dev/null || echo "(install imagemagick for the screenshot)"
  kill $app' "$app" "$@"
