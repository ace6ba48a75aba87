#!/usr/bin/env bash
# Rebuilds the built-in model from scratch exactly as shipped: the data set,
# both training phases, the evaluation, and the files in models/ and docs/.
# About 95 minutes on 2 CPU cores; uses CUDA when LibTorch sees a GPU.
# Usage: scripts/train-builtin-model.sh [work-dir]   (default: build/train)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/train}
mkdir -p "$work"
./build/tools/dataset/diffscope-dataset -o "$work/emoji-pairs.safetensors"
resume=()
[[ -f "$work/out/checkpoint.safetensors" ]] && resume=(--resume)
./build/app/diffscope-cli train --data "$work/emoji-pairs.safetensors" -o "$work/out" "${resume[@]}" \
  --ae-steps 2000 --unet-steps 10000 --decoder-steps 3000 --sample-every 1000 --checkpoint-every 250
cp "$work/out/diffscope-emoji.json" "$work/out/diffscope-emoji.safetensors" models/
./build/app/diffscope-cli evaluate --data "$work/emoji-pairs.safetensors" --model-dir models \
  --report docs/model-evaluation.json --grid docs/model-grid.png
