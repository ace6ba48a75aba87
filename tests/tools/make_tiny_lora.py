#!/usr/bin/python3
"""Random LoRA files for DiffScope's LoRA tests, written from the tiny
checkpoints' key layout (make_tiny_sd.py) with names as each LoRA format
writes them, and beside each file OUT.json: for every module key, the
checkpoint tensor (and rows, for OpenCLIP's fused q/k/v) it must change.
The names are made here from diffusers' and kohya's documented layouts
(make_tiny_sd.py's CompVis → diffusers map), independently of DiffScope's C++.

  make_tiny_lora.py OUT --family sd1|sd2|sdxl --format kohya|peft|locon|
                    loha|junk [--rank R] [--alpha A] [--seed N] [--unet-only]
                    [--sgm] [--diffusers-model]
  make_tiny_lora.py OUT.json --names --family sd1|sdxl   (full-size names only)
  make_tiny_lora.py OUT --full --family sd1|sdxl …       (a full-size LoRA, for benchmarks)
"""
import argparse
import importlib.util
import json
import os
import re
import zlib

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("make_tiny_sd", os.path.join(here, "make_tiny_sd.py"))
tiny = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tiny)

UNET = "model.diffusion_model."
ATTENTION = re.compile(r"\.(proj_in|proj_out|attn[12]\.to_(q|k|v|out\.0)|ff\.net\.(0\.proj|2))\.weight$")
RESNET = re.compile(r"\.(in_layers\.2|out_layers\.3|skip_connection|emb_layers\.1|op|conv)\.weight$")
HF_LAYER = re.compile(r"encoder\.layers\.\d+\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])\.weight$")
OPEN_CLIP_LAYER = re.compile(r"transformer\.resblocks\.(\d+)\.(attn\.in_proj_weight|attn\.out_proj\.weight|"
                             r"mlp\.c_fc\.weight|mlp\.c_proj\.weight)$")
OPEN_CLIP_TO_HF = {"attn.out_proj.weight": "self_attn.out_proj", "mlp.c_fc.weight": "mlp.fc1",
                   "mlp.c_proj.weight": "mlp.fc2"}


def towers(family, diffusers_model):
    """(LoRA part, kohya prefix, PEFT prefix, model prefix, OpenCLIP?) per text tower."""
    if family == "sd1":
        return [("te", "lora_te_", "text_encoder.", "cond_stage_model.transformer.", False)]
    if family == "sd2":
        if diffusers_model:
            return [("te", "lora_te_", "text_encoder.", "cond_stage_model.transformer.", False)]
        return [("te", "lora_te_", "text_encoder.", "cond_stage_model.model.", True)]
    return [("te1", "lora_te1_", "text_encoder.", "conditioner.embedders.0.transformer.", False),
            ("te2", "lora_te2_", "text_encoder_2.", "conditioner.embedders.1.model.", True)]


def modules(keys, family, fmt, sgm, diffusers_model, unet_only):
    """[(kohya or PEFT module name, target tensor, row begin, row count, out, in, kernel)]"""
    out = []
    for name, (shape, _) in sorted(keys.items()):
        if not name.startswith(UNET):
            continue
        wanted = ATTENTION.search(name) or (fmt == "locon" and RESNET.search(name) and len(shape) in (2, 4))
        if not wanted:
            continue
        kernel = shape[2] if len(shape) == 4 else 0
        if sgm:
            path = name[len(UNET):-len(".weight")]
        else:
            path = tiny.unet_to_diffusers(name)[:-len(".weight")]
        key = ("unet." + path) if fmt == "peft" else "lora_unet_" + path.replace(".", "_")
        out.append((key, name, 0, 0, shape[0], shape[1], kernel))
    if unet_only:
        return out
    for part, kohya, peft, prefix, open_clip in towers(family, diffusers_model):
        for name, (shape, _) in sorted(keys.items()):
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix):]
            if not open_clip:
                if HF_LAYER.search(rest):
                    path = rest[:-len(".weight")]
                    key = (peft + path) if fmt == "peft" else kohya + path.replace(".", "_")
                    out.append((key, name, 0, 0, shape[0], shape[1], 0))
                continue
            m = OPEN_CLIP_LAYER.match(rest)
            if not m:
                continue
            layer = f"text_model.encoder.layers.{m[1]}."
            if m[2] == "attn.in_proj_weight":
                width = shape[0] // 3
                for i, q in enumerate("qkv"):
                    path = layer + f"self_attn.{q}_proj"
                    key = (peft + path) if fmt == "peft" else kohya + path.replace(".", "_")
                    out.append((key, name, i * width, width, width, shape[1], 0))
            else:
                path = layer + OPEN_CLIP_TO_HF[m[2]]
                key = (peft + path) if fmt == "peft" else kohya + path.replace(".", "_")
                out.append((key, name, 0, 0, shape[0], shape[1], 0))
    return out


def full_size_keys(family):
    tiny.NRB = 2  # make_tiny_sd's CompVis → diffusers map, at SD's two ResBlocks per level
    if family == "sdxl":
        keys = dict(tiny.mkxl.unet_keys())
        keys.update(tiny.mk.clip_keys(prefix=tiny.mkxl.TE1, layers=12, position_ids=True))
        keys.update(tiny.mkxl.open_clip_text_keys())
    else:
        keys = dict(tiny.mk.unet_keys())
        keys.update(tiny.mk.clip_keys(position_ids=True))
    return keys


def random(name, shape, seed, scale):
    rng = np.random.default_rng((zlib.crc32(name.encode()) ^ seed) & 0x7FFFFFFF)
    return np.asarray(rng.normal(0, scale, shape), dtype=np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--family", choices=["sd1", "sd2", "sdxl"], default="sd1")
    ap.add_argument("--format", choices=["kohya", "peft", "locon", "loha", "junk"], default="kohya")
    ap.add_argument("--rank", type=int, default=4)
    ap.add_argument("--alpha", type=float)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sgm", action="store_true", help="kohya's SDXL names (CompVis/sgm U-Net names)")
    ap.add_argument("--diffusers-model", action="store_true", help="for a diffusers folder of SD 2.x")
    ap.add_argument("--unet-only", action="store_true")
    ap.add_argument("--names", action="store_true", help="full-size module names and targets only (JSON)")
    ap.add_argument("--full", action="store_true", help="for the full-size SD 1.5 / SDXL layout (benchmarks)")
    args = ap.parse_args()

    if args.names:  # the real SD 1.5 / SDXL layouts (layers per block 2)
        keys = full_size_keys(args.family)
        listing = []
        for fmt, sgm in (("locon", args.family == "sdxl"), ("locon", False), ("peft", False)):
            for key, target, begin, count, *_ in modules(keys, args.family, fmt, sgm, False, False):
                listing.append({"key": key, "target": target, "begin": begin, "count": count})
        model = {name: list(shape) for name, (shape, _) in keys.items()
                 if name.endswith("weight") and len(shape) in (2, 4)}
        json.dump({"model": model, "modules": listing}, open(args.out, "w"), indent=0)
        return

    keys = full_size_keys(args.family) if args.full else tiny.compvis_keys(args.family, args.diffusers_model)
    tensors, expected = {}, {}
    fmt = "kohya" if args.format in ("loha", "junk") else args.format
    for key, target, begin, count, out_f, in_f, kernel in modules(keys, args.family, fmt, args.sgm,
                                                                   args.diffusers_model, args.unet_only):
        r = args.rank
        down_shape = (r, in_f, kernel, kernel) if kernel else (r, in_f)
        up_shape = (out_f, r, 1, 1) if kernel else (out_f, r)
        if args.format == "peft":
            tensors[key + ".lora_A.weight"] = random(key + "A", down_shape, args.seed, 0.1)
            tensors[key + ".lora_B.weight"] = random(key + "B", up_shape, args.seed, 0.1)
        else:
            tensors[key + ".lora_down.weight"] = random(key + "d", down_shape, args.seed, 0.1)
            tensors[key + ".lora_up.weight"] = random(key + "u", up_shape, args.seed, 0.1)
        if args.alpha is not None:
            tensors[key + ".alpha"] = np.asarray(args.alpha, dtype=np.float32)
        expected[key] = {"target": target, "begin": begin, "count": count}
    if args.format == "loha":
        first = next(iter(expected))
        tensors[first + ".hada_w1_a"] = np.zeros((4, 4), np.float32)
    if args.format == "junk":
        tensors["model.diffusion_model.input_blocks.0.0.weight"] = np.zeros((4, 4), np.float32)
    tiny.write(args.out, tensors)  # float16, as most LoRAs ship
    json.dump({"modules": expected}, open(args.out + ".json", "w"), indent=0)


if __name__ == "__main__":
    main()
