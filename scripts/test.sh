#!/usr/bin/env bash
# One command: install dependencies, build, run the whole test suite, then
# install the .deb into a clean Debian 12 root and run it there
# (packaging/install-test.sh; DIFFSCOPE_SKIP_INSTALL_TEST=1 skips that step).
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh -DDIFFSCOPE_BUILD_TESTS=ON
(cd build && ctest --output-on-failure -j"$(nproc)")
if [ "${DIFFSCOPE_SKIP_INSTALL_TEST:-0}" != 1 ]; then
  bash packaging/install-test.sh build
fi
