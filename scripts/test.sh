#!/usr/bin/env bash
# One command: install dependencies, build, run the whole test suite, then
# install the .deb into a clean Debian 12 root and run it there
# (packaging/install-test.sh; DIFFSCOPE_SKIP_INSTALL_TEST=1 skips that step),
# then build and run the whole suite again against the second LibTorch line,
# LibTorch 2.x from PyPI's torch wheel, under ASan + UBSan
# (scripts/sanitize.sh address --torch pip, in build-torch2/;
# DIFFSCOPE_SKIP_TORCH2=1 skips it), then the worker and controller tests
# under TSan with 1,000 stress sequences (scripts/sanitize.sh thread, in
# build-tsan/; DIFFSCOPE_SKIP_TSAN=1 skips it), then every libFuzzer
# target for DIFFSCOPE_FUZZ_SECONDS (default 20) from its seeds under ASan +
# UBSan (scripts/fuzz.sh, build-fuzz/; DIFFSCOPE_SKIP_FUZZ=1 skips it).
# Exits non-zero when anything fails.
#
# Time budget: CI stops this command at 90 minutes, and machines differ by
# more than 2x (the Debian build took 7 to 26 minutes on the machines this
# project has run on). The three checking lines after the install test are
# each estimated from how long the Debian build took here, and one that would
# end past DIFFSCOPE_CI_BUDGET_MINUTES (default 80; 0: no budget) is skipped,
# loudly, with the command that runs it. On the machines of sessions 22-35
# everything fits.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cores.sh
# Each step's start, with the minutes since the command began, so that a CI
# log shows where its time goes (the cold run must stay under ~60 minutes).
phase() { echo "=== [$(date -u +%H:%M:%S), +$((SECONDS / 60)) min] $*"; }
phase "dependencies"
bash scripts/install-deps.sh
# ../shared holds the reference data some tests compare against (the CLIP
# vocabulary and stable-diffusion.cpp's SD 1.5 output). A clone elsewhere
# finds it beside the repository it was cloned from.
if [ -z "${DIFFSCOPE_SHARED_DIR:-}" ]; then
  origin=$(git config --get remote.origin.url 2>/dev/null || true)
  for candidate in "$PWD/../shared" "${origin:+$origin/../shared}" /work/shared; do
    if [ -n "$candidate" ] && [ -f "$candidate/fixtures/sd15-random/README.md" ]; then
      DIFFSCOPE_SHARED_DIR=$(cd "$candidate" && pwd)
      export DIFFSCOPE_SHARED_DIR
      break
    fi
  done
fi
echo "reference data: ${DIFFSCOPE_SHARED_DIR:-not found (the CLIP and Stable Diffusion conformance tests will skip)}"
phase "build (Debian's LibTorch)"
build_start=$SECONDS
bash scripts/build.sh -DDIFFSCOPE_BUILD_TESTS=ON
build_minutes=$(( (SECONDS - build_start + 59) / 60 ))
budget=${DIFFSCOPE_CI_BUDGET_MINUTES:-80}
skipped=()
# fits NAME PER_BUILD_MINUTE COMMAND: whether a line estimated at
# PER_BUILD_MINUTE (tenths) x the Debian build's minutes ends within the budget.
# The ratios are sessions 25-35's fresh-clone runs rounded up (the ASan + UBSan
# line took 1.9-2.2 x the Debian build, TSan 0.8-0.85 x, fuzzing 0.45-0.55 x).
fits() {
  local name=$1 tenths=$2 command=$3
  [ "$budget" -le 0 ] && return 0
  local estimate=$(( (build_minutes * tenths + 9) / 10 )) elapsed=$(( SECONDS / 60 ))
  if [ $(( elapsed + estimate )) -le "$budget" ]; then return 0; fi
  echo "=== SKIPPED: $name: about $estimate min here (the Debian build took $build_minutes), $elapsed of the" \
       "$budget-minute budget gone (DIFFSCOPE_CI_BUDGET_MINUTES). Run it alone: $command"
  skipped+=("$name ($command)")
  return 1
}
phase "tests (Debian's LibTorch)"
# One LibTorch thread per test program, as many programs as cores: two
# programs with a thread per core each oversubscribe the cores, and OpenMP's
# spinning barriers then cost far more than the second thread gains.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
(cd build && ctest --output-on-failure -j"$(cpu_cores)")
if [ "${DIFFSCOPE_SKIP_INSTALL_TEST:-0}" != 1 ]; then
  phase "install test"
  bash packaging/install-test.sh build
fi
if [ "${DIFFSCOPE_SKIP_TORCH2:-0}" != 1 ] &&
   fits "LibTorch 2 line under ASan + UBSan" 22 "bash scripts/sanitize.sh address --torch pip"; then
  # The second LibTorch line is also the sanitizer build: the whole suite
  # under AddressSanitizer + UndefinedBehaviorSanitizer against LibTorch 2.
  # The conformance checkpoints are the same files: share the first line's.
  mkdir -p build-torch2/test-cache
  for f in build/test-cache/*.safetensors; do
    if [ -e "$f" ]; then ln -sf "$PWD/$f" build-torch2/test-cache/; fi
  done
  phase "build and tests (LibTorch 2 from PyPI, ASan + UBSan)"
  bash scripts/sanitize.sh address --torch pip
fi
if [ "${DIFFSCOPE_SKIP_TSAN:-0}" != 1 ] && fits "ThreadSanitizer" 9 "bash scripts/sanitize.sh thread"; then
  phase "ThreadSanitizer (worker and controller tests, 1,000 stress sequences)"
  bash scripts/sanitize.sh thread
fi
if [ "${DIFFSCOPE_SKIP_FUZZ:-0}" != 1 ] && fits "fuzzing" 6 "bash scripts/fuzz.sh 20"; then
  phase "fuzzing"
  bash scripts/fuzz.sh "${DIFFSCOPE_FUZZ_SECONDS:-20}"
fi
if [ ${#skipped[@]} -gt 0 ]; then
  echo "=== Left out for time on this machine (every test above passed):"
  printf '    %s\n' "${skipped[@]}"
fi
phase "done"
