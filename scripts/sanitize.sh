#!/usr/bin/env bash
# The tests under sanitizers (issue 19; docs/RELIABILITY.md "Sanitizers").
#
#   bash scripts/sanitize.sh thread
#       build-tsan/: the worker and run-controller tests under ThreadSanitizer,
#       the stress test at DIFFSCOPE_STRESS_SEQUENCES (default 1000).
#   bash scripts/sanitize.sh address [--torch debian|pip]
#       The whole ctest suite under AddressSanitizer + UndefinedBehaviorSanitizer,
#       against Debian's LibTorch (build-asan/) or PyPI's LibTorch 2 (build-torch2/,
#       as scripts/build.sh --torch pip makes it: the README's test command runs
#       the second LibTorch line this way). DIFFSCOPE_ASAN_EXCLUDE: a ctest -E
#       regular expression of tests left out.
#
# GCC 12 (Debian's; libasan, libtsan and libubsan come with it). Any report
# fails the run. Third-party code that is not instrumented (LibTorch, Qt,
# OpenMP) is handled as tests/sanitizers/*.supp and the options below explain.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source "$root/scripts/cores.sh"
mode="${1:-}"
shift || true
supp="$root/tests/sanitizers"
export DIFFSCOPE_SHARED_DIR="${DIFFSCOPE_SHARED_DIR:-$root/../shared}"
export QT_QPA_PLATFORM=offscreen
# -O1, as the sanitizers' documentation advises: reports keep their stacks, and
# GCC instruments ATen-heavy files a third faster than at -O3 (sdxl_bundle.cpp
# 5.2 s instead of 7.9 s), which is most of these builds' time in CI. What the
# tests check does not depend on it (no fast-math at either level).
build_options=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=-O1 -DNDEBUG"
               -DDIFFSCOPE_BUILD_TESTS=ON -DDIFFSCOPE_BUILD_BENCHMARKS=OFF)

case "$mode" in
  thread)
    build="$root/build-tsan"
    cmake -S "$root" -B "$build" -G Ninja "${build_options[@]}" -DDIFFSCOPE_SANITIZE=thread > /dev/null
    cmake --build "$build" -j "$(cpu_cores)" --target test_run_controller test_run_stress test_thread_mailbox
    # LibTorch's OpenMP threads synchronise inside libgomp, which TSan cannot
    # see: one intra-op thread keeps every tensor operation on the thread that
    # asked for it (the threads under test are the UI thread and the worker).
    # ignore_noninstrumented_modules: memcpy/memset/eventfd called from inside
    # LibTorch, Qt and GLib are theirs, not DiffScope's; the hand-offs between
    # DiffScope's threads go through ThreadMailbox, which TSan sees.
    export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=4 ignore_noninstrumented_modules=1 suppressions=$supp/tsan.supp ${TSAN_OPTIONS:-}"
    export DIFFSCOPE_STRESS_SEQUENCES="${DIFFSCOPE_STRESS_SEQUENCES:-1000}"
    export DIFFSCOPE_CACHE_DIR="$build/test-cache"
    mkdir -p "$DIFFSCOPE_CACHE_DIR"
    for test in test_thread_mailbox test_run_controller test_run_stress; do
      echo "== $test under ThreadSanitizer"
      "$build/tests/$test"
    done
    ;;
  address)
    torch_line=debian
    if [ "${1:-}" = --torch ]; then torch_line=$2; fi
    if [ "$torch_line" = pip ]; then
      build=build-torch2
      DIFFSCOPE_BUILD_DIR=$build bash scripts/build.sh --torch pip "${build_options[@]}" \
        -DDIFFSCOPE_SANITIZE=address,undefined
    else
      build=build-asan
      DIFFSCOPE_BUILD_DIR=$build bash scripts/build.sh "${build_options[@]}" -DDIFFSCOPE_SANITIZE=address,undefined
    fi
    # allocator_may_return_null: a failed allocation returns null, as glibc's
    # does, so that LibTorch throws and DiffScope's out-of-memory handling
    # runs (test_cuda_device allocates 4 PiB on purpose); ASan's default aborts.
    export ASAN_OPTIONS="detect_leaks=1 check_initialization_order=1 allocator_may_return_null=1 ${ASAN_OPTIONS:-}"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp print_suppressions=0 ${LSAN_OPTIONS:-}"
    export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1 ${UBSAN_OPTIONS:-}"
    export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"  # one per program, as scripts/test.sh says why
    (cd "$build" && ctest --output-on-failure -j"$(cpu_cores)" ${DIFFSCOPE_ASAN_EXCLUDE:+-E "$DIFFSCOPE_ASAN_EXCLUDE"})
    ;;
  *)
    echo "usage: scripts/sanitize.sh thread | address [--torch debian|pip]" >&2
    exit 2
    ;;
esac
