#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/) with clang-14, AddressSanitizer
# and UndefinedBehaviorSanitizer in build-fuzz/, and runs each for SECONDS
# (default 60) from its committed seed corpus and dictionary. A crash, a
# sanitizer report, a leak, a stray exception or a timeout fails the script;
# the input is kept in build-fuzz/findings/<target>/ (turn it into a test:
# docs/RELIABILITY.md). What a run discovers goes to build-fuzz/corpus/<target>/,
# never into the committed seeds.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]
#   DIFFSCOPE_FUZZ_JOBS=N   build jobs (default: the CPUs)
#   DIFFSCOPE_FUZZ_PARALLEL=N  targets fuzzed at once (default: the CPUs)
#   DIFFSCOPE_FUZZ_RUNS=N   also stop each target after N executions (the long runs
#                           in docs/RELIABILITY.md: 10000000 within 3600 seconds)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/cores.sh"
seconds="${1:-60}"
shift || true
build="$root/build-fuzz"
mkdir -p "$build"
export DIFFSCOPE_SHARED_DIR="${DIFFSCOPE_SHARED_DIR:-$root/../shared}"

command -v clang++-14 > /dev/null || { echo "fuzz.sh: clang++-14 is missing (scripts/install-deps.sh)" >&2; exit 1; }
# -O1 -g1: the sanitizers' advice (stacks keep their lines), and most of this
# build's time is compiling LibTorch's headers, which -O1 makes a third faster.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DDIFFSCOPE_FUZZ=ON > "$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }
cmake --build "$build" -j "${DIFFSCOPE_FUZZ_JOBS:-$(cpu_cores)}"

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for program in "$build"/tests/fuzz/fuzz_*; do targets+=("$(basename "$program" | sed 's/^fuzz_//')"); done
fi
# ASan's defaults (leak detection included); UBSan stops at the first report.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# One target per core at a time (each fuzzer is one thread): CI's smoke run
# takes half the time on 2 cores. -max_total_time is wall-clock, so each
# target still gets its SECONDS.
jobs="${DIFFSCOPE_FUZZ_PARALLEL:-$(cpu_cores)}"
fuzz_one() {
  local target=$1
  local seeds="$root/tests/fuzz/corpus/$target"
  local corpus="$build/corpus/$target"
  local findings="$build/findings/$target"
  mkdir -p "$corpus" "$findings"
  local dict=()
  [ -f "$root/tests/fuzz/dict/$target.dict" ] && dict=(-dict="$root/tests/fuzz/dict/$target.dict")
  # -rss_limit_mb: a few hundred bytes must never cost gigabytes to refuse.
  local runs=()
  [ -n "${DIFFSCOPE_FUZZ_RUNS:-}" ] && runs=(-runs="$DIFFSCOPE_FUZZ_RUNS")
  local status=0
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" "${runs[@]}" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/" "${dict[@]}" "$corpus" "$seeds" \
    > "$build/fuzz-$target.log" 2>&1 || status=$?
  echo "$status" > "$build/fuzz-$target.status"
}
running=0
for target in "${targets[@]}"; do
  rm -f "$build/fuzz-$target.status"
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$target" &
  running=$((running + 1))
done
wait

failed=()
printf '%-18s %12s %8s %8s %8s\n' target executions exec/s coverage corpus
for target in "${targets[@]}"; do
  log="$build/fuzz-$target.log"
  if [ "$(cat "$build/fuzz-$target.status" 2>/dev/null || echo 1)" != 0 ]; then
    failed+=("$target")
    echo "fuzz.sh: $target FAILED — $log, input in $build/findings/$target/" >&2
    grep -m 5 -E "ERROR|fuzz:|runtime error|Test unit written" "$log" >&2 || tail -20 "$log" >&2
  fi
  executions=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  printf '%-18s %12s %8s %8s %8s\n' "$target" "$executions" "$speed" "$coverage" "$(ls "$build/corpus/$target" | wc -l)"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: findings in: ${failed[*]}" >&2
  exit 1
fi
