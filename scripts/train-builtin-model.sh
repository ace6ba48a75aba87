#!/usr/bin/env bash
# Rebuilds the built-in model from scratch exactly as shipped: the data set,
# all training phases, the preview decoder's distillation, the evaluation,
# and the files in models/ and docs/.
# About 2 hours on 2 CPU cores; uses CUDA when LibTorch sees a GPU.
# Usage: scripts/train-builtin-model.sh [work-dir]   (default: build/train)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/train}
mkdir -p "$work"
./build/tools/dataset/diffscope-dataset -o "$work/emoji-pairs.safetensors"
resume=()
[[ -f "$work/out/checkpoint.safetensors" ]] && resume=(--resume)
common=(--data "$work/emoji-pairs.safetensors" -o "$work/out" --ae-steps 2000 --sample-every 1000 --checkpoint-every 250)
# As shipped: phase 2 ran 10,000 steps, then was extended to 15,000 by resuming
# (its cosine schedule recomputed for 15,000), then phase 3.
./build/app/diffscope-cli train "${common[@]}" "${resume[@]}" --unet-steps 10000
./build/app/diffscope-cli train "${common[@]}" --resume --unet-steps 15000 --decoder-steps 3000
cp "$work/out/diffscope-emoji.json" "$work/out/diffscope-emoji.safetensors" models/
# Then the preview decoder the app uses for every step (10-20 minutes).
./build/app/diffscope-cli distill-preview -m diffscope-emoji --data "$work/emoji-pairs.safetensors" -o "$work/preview" \
  --steps 3000 --channels 32 16 --threads 1
cp "$work/preview/diffscope-emoji.json" "$work/preview/diffscope-emoji.safetensors" models/
./build/app/diffscope-cli evaluate --data "$work/emoji-pairs.safetensors" --model-dir models \
  --report docs/model-evaluation.json --grid docs/model-grid.png
