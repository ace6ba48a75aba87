#!/usr/bin/env bash
# The prepared check for a machine with an NVIDIA GPU and Python's torch (no Qt,
# no OpenCV, no network): builds core, the CLI and bench_sd against that torch,
# makes the random-weight SD 1.5 checkpoint, runs the SD 1.5 conformance case on
# CUDA in float32 (goal ≥ 45 dB) and float16, then measures SD 1.5 at 512² with
# CFG in float16 at batch 1 and 4 beside the same work in diffusers (SDPA).
# Every figure goes into one results file.
#
#   scripts/gpu-check.sh --pack      # here: gathers what travels (.deps, .gpu-data, .whl)
#   scripts/gpu-check.sh             # there: the check itself (≤ 8 minutes on an H200)
#   scripts/gpu-check.sh --dry-run   # here, on the CPU: every stage at toy sizes
#
# The device tool's call (docs/PERFORMANCE.md records the figures):
#   carry [".deps", ".gpu-data", ".whl"], command "bash scripts/gpu-check.sh"
# Environment: OUT (results folder; default build-gpu), PYTHON (default python3),
# DIFFSCOPE_SHARED_DIR (reference data; default .gpu-data, else ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/cores.sh

mode=gpu
case "${1:-}" in
  --pack) mode=pack ;;
  --dry-run) mode=dry ;;
  "") ;;
  *) echo "usage: scripts/gpu-check.sh [--pack|--dry-run]" >&2; exit 2 ;;
esac

shared_files=(tools/make_random_sd15.py fixtures/sd15-random/cat_s42_256x256_euler4_cfg7.png
              fixtures/sd15-random/README.md data/clip/bpe_simple_vocab_16e6.txt.gz)

if [ "$mode" = pack ]; then
  shared=${DIFFSCOPE_SHARED_DIR:-../shared}
  rm -rf .gpu-data && mkdir -p .gpu-data
  for f in "${shared_files[@]}"; do
    mkdir -p ".gpu-data/$(dirname "$f")" && cp "$shared/$f" ".gpu-data/$f"
  done
  bash scripts/fetch-header-deps.sh
  # diffusers is pure Python; the GPU machine has its other needs (KINDS.md).
  rm -rf .whl && python3 -m pip download --quiet --no-deps --only-binary=:all: -d .whl \
    "diffusers==0.42.1" "importlib_metadata==10.2.0"
  for ignored in /.gpu-data/ /.whl/ /.deps/; do
    grep -qxF "$ignored" .git/info/exclude 2>/dev/null || echo "$ignored" >>.git/info/exclude
  done
  du -sh .deps .gpu-data .whl
  exit 0
fi

python=${PYTHON:-python3}
out=${OUT:-build-gpu}
mkdir -p "$out"
results=$out/gpu-check.txt
: >"$results"
log() { echo "$*" | tee -a "$results"; }
section() { log ""; log "## $*"; }
started=$(date +%s)

if [ -n "${DIFFSCOPE_SHARED_DIR:-}" ]; then
  shared=$DIFFSCOPE_SHARED_DIR
elif [ -f .gpu-data/tools/make_random_sd15.py ]; then
  shared=.gpu-data
else
  shared=../shared
fi
for f in "${shared_files[@]}"; do
  [ -f "$shared/$f" ] || { log "missing $shared/$f (run scripts/gpu-check.sh --pack here first)"; exit 1; }
done
if [ -d .whl ] && ! "$python" -c 'import diffusers' 2>/dev/null; then
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/gpu-check-site .whl/*.whl
  export PYTHONPATH=/tmp/gpu-check-site${PYTHONPATH:+:$PYTHONPATH}
fi
# ICU and libpng unpacked by fetch-header-deps.sh, for a machine without them.
if [ -d .deps/usr/lib/x86_64-linux-gnu ]; then
  export LD_LIBRARY_PATH=$PWD/.deps/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

section "machine"
log "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), mode: $mode, commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | sed 's/^/gpu: /' | tee -a "$results" || true
log "$("$python" -c 'import torch; print("torch", torch.__version__, "CUDA", torch.version.cuda, "available:", torch.cuda.is_available())')"
log "cpu: $(cpu_cores) cores"

section "build (core, CLI, bench_sd against this torch)"
torch_dir=$("$python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
build=${GPU_BUILD_DIR:-build-gpu}
[ "$mode" = dry ] && build=${GPU_BUILD_DIR:-build-gpu-dry}
t0=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch_dir;$torch_dir/share/cmake" \
  -DDIFFSCOPE_BUILD_TESTS=OFF -DDIFFSCOPE_BUILD_UI=OFF -DPython3_EXECUTABLE="$(command -v "$python")" \
  >"$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
cmake --build "$build" -j"$(cpu_cores)" --target diffscope-cli bench_sd >"$out/build.log" 2>&1 ||
  { grep -m20 -B2 -A8 "error" "$out/build.log"; exit 1; }
log "built in $(($(date +%s) - t0)) s"

section "checkpoint"
checkpoint=${GPU_CHECK_CHECKPOINT:-/tmp/sd15_random_f16.safetensors}
if [ ! -f "$checkpoint" ]; then
  t0=$(date +%s)
  "$python" "$shared/tools/make_random_sd15.py" "$checkpoint" >"$out/checkpoint.log" 2>&1 ||
    { tail -20 "$out/checkpoint.log"; exit 1; }
  log "random SD 1.5 written in $(($(date +%s) - t0)) s"
fi
log "$(sha256sum "$checkpoint" | cut -c1-16)… $(stat -c %s "$checkpoint") bytes"

vocab=$shared/data/clip/bpe_simple_vocab_16e6.txt.gz
reference=$shared/fixtures/sd15-random/cat_s42_256x256_euler4_cfg7.png
# A failed measurement is written down and the check goes on to the next.
bench() {
  "$build/tests/benchmarks/bench_sd" "$checkpoint" "$vocab" "$@" 2>&1 | tee -a "$results" ||
    log "(bench_sd $* failed)"
}
device=cuda
[ "$mode" = dry ] && device=cpu

section "SD 1.5 conformance on $device (stable-diffusion.cpp's image; goal float32 ≥ 45 dB)"
log "### float32"
bench --device "$device" --precision float32 --size 256 --steps 4 --reference "$reference" --out "$out/conformance_f32.png"
if [ "$mode" = gpu ]; then
  log "### float16"
  bench --device cuda --precision float16 --size 256 --steps 4 --reference "$reference" --out "$out/conformance_f16.png"
fi

section "SD 1.5 with CFG 7: DiffScope (bench_sd) beside diffusers (SDPA), same U-Net work"
if [ "$mode" = gpu ]; then
  sizes=(512) batches=(1 4) steps=20 precision=float16 anchor_args=()
else
  sizes=(64) batches=(1) steps=2 precision=float32 anchor_args=(--tiny --device cpu)
fi
for size in "${sizes[@]}"; do
  for batch in "${batches[@]}"; do
    log "### ${size}², batch $batch, $precision, $steps steps"
    bench --device "$device" --precision "$precision" --size "$size" --steps "$steps" --batch "$batch"
    "$python" tests/tools/diffusers_bench.py --size "$size" --batch "$batch" --steps "$steps" \
      --dtype "$precision" "${anchor_args[@]}" 2>"$out/diffusers_${size}_${batch}.log" | tee -a "$results" ||
      { log "diffusers failed:"; tail -5 "$out/diffusers_${size}_${batch}.log" | tee -a "$results"; }
  done
done

section "done in $(($(date +%s) - started)) s; results in $results"
