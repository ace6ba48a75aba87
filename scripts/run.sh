#!/usr/bin/env bash
# One command: install dependencies, build, and generate an image with the
# oracle model (the desktop app will take this place once it exists).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/app/diffscope-cli generate --prompt "${PROMPT:-cat}" --steps 30 --seed -1 \
  --output "${OUTPUT:-diffscope.png}" --overwrite
