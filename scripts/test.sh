#!/usr/bin/env bash
# One command: install dependencies, build, and run the whole test suite.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DDIFFSCOPE_BUILD_TESTS=ON
cd build
ctest --output-on-failure -j"$(nproc)"
