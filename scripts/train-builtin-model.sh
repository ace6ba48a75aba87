#!/usr/bin/env bash
# Rebuilds the built-in model from scratch as shipped: the data set, the
# autoencoder, its preview decoder's distillation, the text encoder and U-Net,
# the evaluation, and the files in models/ and docs/.
# About 1 h 45 min on 2 CPU cores; uses CUDA when LibTorch sees a GPU.
# An interrupted run picks up where it stopped when started again.
# Usage: scripts/train-builtin-model.sh [work-dir]   (default: build/train)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-build/train}
cli=./build/app/diffscope-cli
mkdir -p "$work"
data="$work/emoji-pairs.safetensors"
[[ -f "$data" ]] || ./build/tools/dataset/diffscope-dataset -o "$data"

# --resume where an earlier, interrupted run of this step left a checkpoint.
resume_in() { [[ -f "$1/checkpoint.safetensors" ]] && echo --resume || true; }

# 1. The autoencoder (phase 1, 2,000 steps), then its decoder fine-tuned with
#    the encoder frozen (phase 3, 3,000 steps). Phase 2 gets a single step:
#    this run's U-Net is not kept (each phase draws its own batches, so
#    phases 1 and 3 come out as they would around a full phase 2).
[[ -f "$work/autoencoder/diffscope-emoji.json" ]] ||
  $cli train --data "$data" -o "$work/autoencoder" $(resume_in "$work/autoencoder") \
    --ae-steps 2000 --unet-steps 1 --decoder-steps 3000 --sample-every 1000 --checkpoint-every 250
# 2. The preview decoder the app uses for every step (10-20 minutes).
[[ -f "$work/preview/diffscope-emoji.json" ]] ||
  DIFFSCOPE_MODELS_DIR="$work/autoencoder" $cli distill-preview -m diffscope-emoji --data "$data" \
    -o "$work/preview" --steps 3000 --channels 32 16 --threads 1
# 3. Text encoder and U-Net on that autoencoder's latents: the 32/64/128 U-Net
#    with pooled text, 13,000 steps (about 55-70 minutes), every emoji drawn
#    equally often however many skin-tone variants it has
#    (--balance-skin-tones); the config names the fast setting measured on it
#    (model card: 8 DPM++ 2M steps) and, beside it, the emoji's CLDR names in
#    five other languages and the nearest-caption index (--name-aliases).
[[ -f "$work/denoiser/diffscope-emoji.json" ]] ||
  $cli train --data "$data" -o "$work/denoiser" $(resume_in "$work/denoiser") \
    --autoencoder-from "$work/preview/diffscope-emoji.json" --unet-channels 32 64 128 --pooled-text \
    --unet-steps 13000 --balance-skin-tones --fast-setting dpmpp_2m 8 --name-aliases --sample-every 1000 \
    --checkpoint-every 250
cp "$work/denoiser/diffscope-emoji.json" "$work/denoiser/diffscope-emoji.aliases.json" \
  "$work/denoiser/diffscope-emoji.safetensors" models/
$cli evaluate --data "$data" --model-dir models --report docs/model-evaluation.json --grid docs/model-grid.png
$cli evaluate --data "$data" --model-dir models --only-held-out --held-out resources/evaluation/held-out-prompts.tsv \
  --held-out-report docs/model-evaluation-held-out.json
