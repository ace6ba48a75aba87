#!/usr/bin/python3
"""Tiny random Stable Diffusion checkpoints for DiffScope's loader tests.

The SD 1.x key layout is ../shared/tools/make_random_sd15.py's own (imported
from there, an independent description of the CompVis names) at small widths;
SD 2.x changes what 2.x changes (1024-wide context, linear proj_in/proj_out,
an OpenCLIP text tower with fused in_proj weights). SDXL's layout is
../shared/tools/make_random_sdxl.py's (sgm names: conditioner.embedders.0/1,
label_emb) at small widths, with a non-symmetric text_projection. --diffusers
writes the same weights as a diffusers folder, renamed here by diffusers' layout.

  make_tiny_sd.py OUT --family sd1|sd2|sdxl|sdxl-refiner [--diffusers] [--seed N]
                  [--drop NAME] [--reshape NAME] [--extra NAME]
                  [--in-channels N [--zero-extra-inputs]]

--in-channels 9 makes an inpainting U-Net (x_t, mask, masked-image latent):
its first convolution's weights for the first 4 channels are those of the
4-channel checkpoint with the same seed, the others are drawn apart (or are
zero with --zero-extra-inputs, which makes it compute what that one does).
"""
import argparse
import importlib.util
import json
import os
import re
import struct
import sys
import zlib

import numpy as np

SHARED = os.environ.get("DIFFSCOPE_SHARED_DIR") or os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")
spec = importlib.util.spec_from_file_location("make_random_sd15", os.path.join(SHARED, "tools", "make_random_sd15.py"))
mk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mk)
spec = importlib.util.spec_from_file_location("make_random_sdxl", os.path.join(SHARED, "tools", "make_random_sdxl.py"))
mkxl = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mkxl)

MC, MULT, ATTN, NRB = 64, (1, 2), (1, 2), 1  # U-Net: 64/128 channels, attention at both levels
VAE_CH, VAE_MULT = 32, (1, 2)
LAYERS = 2


def open_clip_keys(width=1024, layers=LAYERS, vocab=49408, pos=77):
    d = {}
    p = "cond_stage_model.model."
    d[p + "token_embedding.weight"] = ((vocab, width), "w")
    d[p + "positional_embedding"] = ((pos, width), "wpos")
    for i in range(layers):
        r = f"{p}transformer.resblocks.{i}."
        d[r + "ln_1.weight"], d[r + "ln_1.bias"] = ((width,), "n"), ((width,), "b")
        d[r + "attn.in_proj_weight"], d[r + "attn.in_proj_bias"] = ((3 * width, width), "w"), ((3 * width,), "b")
        d[r + "attn.out_proj.weight"], d[r + "attn.out_proj.bias"] = ((width, width), "w"), ((width,), "b")
        d[r + "ln_2.weight"], d[r + "ln_2.bias"] = ((width,), "n"), ((width,), "b")
        d[r + "mlp.c_fc.weight"], d[r + "mlp.c_fc.bias"] = ((4 * width, width), "w"), ((4 * width,), "b")
        d[r + "mlp.c_proj.weight"], d[r + "mlp.c_proj.bias"] = ((width, 4 * width), "w"), ((width,), "b")
    d[p + "ln_final.weight"], d[p + "ln_final.bias"] = ((width,), "n"), ((width,), "b")
    d[p + "text_projection"] = ((width, width), "w")
    d[p + "logit_scale"] = ((), "n")
    return d


# SDXL in small: CLIP-L 64 wide and bigG 128 wide (heads of 64, 3 layers
# each), so the context is 192 and the vector 128 + 6·256; U-Net 64/128
# channels, attention only at the second level (as SDXL has none at its
# first), transformer depth 2 there and in the middle.
XL_CLIP_L, XL_CLIP_G, XL_LAYERS = 64, 128, 3


def sdxl_keys(refiner=False):
    """The refiner (sgm's sd_xl_refiner.yaml) has bigG alone, as embedders.0,
    a context of bigG's width and five 256-wide embeddings (original size,
    crop, aesthetic score) after the pooled text."""
    ctx = XL_CLIP_G if refiner else XL_CLIP_L + XL_CLIP_G
    keys = dict(mkxl.unet_keys(mc=MC, mult=MULT, attn_res=(2,), nrb=NRB, depth=(1, 2),
                               ctx=ctx, adm=XL_CLIP_G + (5 if refiner else 6) * 256))
    keys.update(mk.vae_keys(ch=VAE_CH, mult=VAE_MULT, nrb=NRB))
    if not refiner:
        keys.update(mk.clip_keys(prefix=mkxl.TE1, width=XL_CLIP_L, mlp=4 * XL_CLIP_L, layers=XL_LAYERS,
                                 position_ids=True))
    keys.update(mkxl.open_clip_text_keys(prefix="conditioner.embedders.0.model." if refiner else mkxl.TE2,
                                         width=XL_CLIP_G, layers=XL_LAYERS, mlp=4 * XL_CLIP_G, embed_dim=XL_CLIP_G))
    return keys


def compvis_keys(family, diffusers=False):
    if family in ("sdxl", "sdxl-refiner"):
        return sdxl_keys(refiner=family == "sdxl-refiner")
    ctx = 768 if family == "sd1" else 1024
    keys = dict(mk.unet_keys(mc=MC, mult=MULT, attn_res=ATTN, nrb=NRB, ctx=ctx))
    if family == "sd2":  # linear projections in the spatial transformers
        for k, (shape, kind) in list(keys.items()):
            if re.search(r"\.proj_(in|out)\.weight$", k):
                keys[k] = (shape[:2], kind)
    keys.update(mk.vae_keys(ch=VAE_CH, mult=VAE_MULT, nrb=NRB))
    if family == "sd1":
        keys.update(mk.clip_keys(layers=LAYERS, position_ids=True))
    elif diffusers:  # diffusers' SD 2.x: OpenCLIP converted to CLIPTextModel names, 1024 wide
        keys.update(mk.clip_keys(width=1024, mlp=4096, layers=LAYERS, position_ids=True))
    else:
        keys.update(open_clip_keys())
    for k in mk.SCHEDULE_KEYS:
        keys[k] = ((1000,), "sched")
    return keys


def tensor(name, shape, kind, seed, sched):
    if kind == "sched":
        return sched[name]
    if kind == "posids":
        return np.arange(shape[-1], dtype=np.int64).reshape(shape)
    rng = np.random.default_rng((zlib.crc32(name.encode()) ^ seed) & 0x7FFFFFFF)
    if kind in ("n", "b"):  # not 0 and 1 as in a fresh model: every tensor must matter
        return np.asarray((1.0 if kind == "n" else 0.0) + rng.normal(0, 0.05, shape), dtype=np.float32)
    return np.asarray(rng.normal(0, 0.05 if kind != "wpos" else 0.01, shape), dtype=np.float32)


FLOAT32_KEYS = set()  # written as F32 (not F16): --huge values


def write(path, arrays, metadata=None):
    header, blobs, off = {"__metadata__": {"format": "pt", **(metadata or {})}}, [], 0
    for name in sorted(arrays):
        a = arrays[name]
        dt = "F32" if name in mk.SCHEDULE_KEYS or name in FLOAT32_KEYS else {"float32": "F16", "int64": "I64"}[str(a.dtype)]
        data = a.astype({"F16": "<f2", "F32": "<f4", "I64": "<i8"}[dt]).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


# ---- CompVis → diffusers, from diffusers' UNet2DConditionModel/AutoencoderKL layout ----
RES = {"in_layers.0": "norm1", "in_layers.2": "conv1", "emb_layers.1": "time_emb_proj",
       "out_layers.0": "norm2", "out_layers.3": "conv2", "skip_connection": "conv_shortcut"}


def unet_to_diffusers(name):
    n = name[len("model.diffusion_model."):]
    fixed = {"input_blocks.0.0.": "conv_in.", "time_embed.0.": "time_embedding.linear_1.",
             "time_embed.2.": "time_embedding.linear_2.", "out.0.": "conv_norm_out.", "out.2.": "conv_out.",
             "label_emb.0.0.": "add_embedding.linear_1.", "label_emb.0.2.": "add_embedding.linear_2."}
    for a, b in fixed.items():
        if n.startswith(a):
            return b + n[len(a):]
    m = re.match(r"input_blocks\.(\d+)\.(\d+)\.(.*)", n)
    if m:
        idx, layer, rest = int(m[1]), int(m[2]), m[3]
        level, j = (idx - 1) // (NRB + 1), (idx - 1) % (NRB + 1)
        if rest.startswith("op."):
            return f"down_blocks.{level}.downsamplers.0.conv.{rest[3:]}"
        if layer == 0:
            part, tail = rest.split(".", 2)[0] + "." + rest.split(".", 2)[1], ".".join(rest.split(".")[2:])
            if rest.startswith("skip_connection."):
                part, tail = "skip_connection", rest[len("skip_connection."):]
            return f"down_blocks.{level}.resnets.{j}.{RES[part]}.{tail}"
        return f"down_blocks.{level}.attentions.{j}.{rest}"
    m = re.match(r"middle_block\.(\d+)\.(.*)", n)
    if m:
        k, rest = int(m[1]), m[2]
        if k == 1:
            return f"mid_block.attentions.0.{rest}"
        return f"mid_block.resnets.{0 if k == 0 else 1}." + res_rename(rest)
    m = re.match(r"output_blocks\.(\d+)\.(\d+)\.(.*)", n)
    idx, layer, rest = int(m[1]), int(m[2]), m[3]
    level, j = idx // (NRB + 1), idx % (NRB + 1)
    if rest.startswith("conv."):
        return f"up_blocks.{level}.upsamplers.0.conv.{rest[5:]}"
    if layer == 0:
        return f"up_blocks.{level}.resnets.{j}." + res_rename(rest)
    return f"up_blocks.{level}.attentions.{j}.{rest}"


def res_rename(rest):
    for a, b in RES.items():
        if rest.startswith(a + "."):
            return b + rest[len(a):]
    raise KeyError(rest)


def vae_to_diffusers(name):
    n = name[len("first_stage_model."):]
    levels = len(VAE_MULT)
    n = n.replace(".norm_out.", ".conv_norm_out.").replace("nin_shortcut", "conv_shortcut")
    m = re.match(r"(encoder|decoder)\.(down|up)\.(\d+)\.(block|downsample|upsample)\.?(\d+)?\.?(.*)", n)
    if m:
        coder, _, i, kind, j, rest = m.groups()
        i = int(i) if coder == "encoder" else levels - 1 - int(i)
        blocks = "down_blocks" if coder == "encoder" else "up_blocks"
        if kind == "block":
            return f"{coder}.{blocks}.{i}.resnets.{j}.{rest}"
        sampler = "downsamplers" if kind == "downsample" else "upsamplers"
        return f"{coder}.{blocks}.{i}.{sampler}.0.{j or ''}{'.' if j else ''}{rest}".replace("..", ".")
    m = re.match(r"(encoder|decoder)\.mid\.(block_1|block_2|attn_1)\.(.*)", n)
    if m:
        coder, part, rest = m.groups()
        if part == "attn_1":
            rest = {"norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"}[rest.split(".")[0]] + "." + rest.split(".")[1]
            return f"{coder}.mid_block.attentions.0.{rest}"
        return f"{coder}.mid_block.resnets.{0 if part == 'block_1' else 1}.{rest}"
    return n


def write_diffusers(folder, arrays, family):
    parts = {"unet": {}, "vae": {}, "text_encoder": {}}
    for name, a in arrays.items():
        if name.startswith("model.diffusion_model."):
            parts["unet"][unet_to_diffusers(name)] = a
        elif name.startswith("first_stage_model."):
            a = a.reshape(a.shape[:2]) if re.search(r"mid\.attn_1\.(q|k|v|proj_out)\.weight$", name) else a
            parts["vae"][vae_to_diffusers(name)] = a
        elif name.startswith("cond_stage_model.transformer."):
            parts["text_encoder"][name[len("cond_stage_model.transformer."):]] = a
    os.makedirs(folder, exist_ok=True)
    json.dump({"_class_name": "StableDiffusionPipeline"}, open(os.path.join(folder, "model_index.json"), "w"))
    for part, tensors in parts.items():
        os.makedirs(os.path.join(folder, part), exist_ok=True)
        fname = "model.safetensors" if part == "text_encoder" else "diffusion_pytorch_model.safetensors"
        write(os.path.join(folder, part, fname), tensors)
    json.dump({"hidden_act": "quick_gelu" if family == "sd1" else "gelu", "num_hidden_layers": LAYERS},
              open(os.path.join(folder, "text_encoder", "config.json"), "w"))
    os.makedirs(os.path.join(folder, "scheduler"), exist_ok=True)
    prediction = "epsilon" if family == "sd1" else "v_prediction"  # as SD 2.x 768-v says
    json.dump({"prediction_type": prediction}, open(os.path.join(folder, "scheduler", "scheduler_config.json"), "w"))


def open_clip_to_hf(arrays, prefix):
    """An OpenCLIP text tower → transformers' CLIPTextModelWithProjection names
    (as diffusers' SDXL text_encoder_2/ holds it): q/k/v split out of in_proj,
    text_projection stored as a Linear weight, i.e. transposed."""
    out = {}
    for name, a in arrays.items():
        if not name.startswith(prefix):
            continue
        n = name[len(prefix):]
        m = re.match(r"transformer\.resblocks\.(\d+)\.(.*)", n)
        if m:
            layer, rest = f"text_model.encoder.layers.{m[1]}.", m[2]
            if rest.startswith("attn.in_proj_"):
                kind = rest[len("attn.in_proj_"):]
                for part, chunk in zip(("q_proj", "k_proj", "v_proj"), np.split(a, 3, axis=0)):
                    out[f"{layer}self_attn.{part}.{kind}"] = chunk
                continue
            for a_name, b_name in (("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("attn.out_proj.", "self_attn.out_proj."),
                                   ("mlp.c_fc.", "mlp.fc1."), ("mlp.c_proj.", "mlp.fc2.")):
                if rest.startswith(a_name):
                    out[layer + b_name + rest[len(a_name):]] = a
            continue
        if n == "token_embedding.weight":
            out["text_model.embeddings.token_embedding.weight"] = a
        elif n == "positional_embedding":
            out["text_model.embeddings.position_embedding.weight"] = a
        elif n.startswith("ln_final."):
            out["text_model.final_layer_norm." + n[len("ln_final."):]] = a
        elif n == "text_projection":
            out["text_projection.weight"] = np.ascontiguousarray(a.T)
    return out


def write_sdxl_diffusers(folder, arrays):
    parts = {"unet": {}, "vae": {}, "text_encoder": {}}
    for name, a in arrays.items():
        if name.startswith("model.diffusion_model."):
            parts["unet"][unet_to_diffusers(name)] = a
        elif name.startswith("first_stage_model."):
            a = a.reshape(a.shape[:2]) if re.search(r"mid\.attn_1\.(q|k|v|proj_out)\.weight$", name) else a
            parts["vae"][vae_to_diffusers(name)] = a
        elif name.startswith(mkxl.TE1):
            parts["text_encoder"]["text_model." + name[len(mkxl.TE1):]] = a
    parts["text_encoder_2"] = open_clip_to_hf(arrays, mkxl.TE2)
    os.makedirs(folder, exist_ok=True)
    json.dump({"_class_name": "StableDiffusionXLPipeline"}, open(os.path.join(folder, "model_index.json"), "w"))
    for part, tensors in parts.items():
        os.makedirs(os.path.join(folder, part), exist_ok=True)
        fname = "model.safetensors" if part.startswith("text_encoder") else "diffusion_pytorch_model.safetensors"
        write(os.path.join(folder, part, fname), tensors)
    json.dump({"hidden_act": "quick_gelu", "num_hidden_layers": XL_LAYERS},
              open(os.path.join(folder, "text_encoder", "config.json"), "w"))
    json.dump({"hidden_act": "gelu", "num_hidden_layers": XL_LAYERS},
              open(os.path.join(folder, "text_encoder_2", "config.json"), "w"))
    os.makedirs(os.path.join(folder, "scheduler"), exist_ok=True)
    json.dump({"prediction_type": "epsilon"}, open(os.path.join(folder, "scheduler", "scheduler_config.json"), "w"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--family", choices=["sd1", "sd2", "sdxl", "sdxl-refiner"], default="sd1")
    ap.add_argument("--diffusers", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--drop")
    ap.add_argument("--reshape")
    ap.add_argument("--extra", action="append", default=[], help="an extra tensor (3 zeros), e.g. a v_pred marker")
    ap.add_argument("--nan", action="append", default=[], help="a tensor to fill with NaN (a poisoned checkpoint)")
    ap.add_argument("--huge", action="append", default=[],
                    help="a tensor to fill with 3e38, stored as F32: finite, but the network overflows")
    ap.add_argument("--metadata", action="append", default=[], help="KEY=VALUE for __metadata__ (single files)")
    ap.add_argument("--in-channels", type=int, default=4, help="the U-Net's input channels (9: inpainting)")
    ap.add_argument("--zero-extra-inputs", action="store_true", help="the channels past the 4th weigh 0")
    args = ap.parse_args()
    metadata = dict(item.split("=", 1) for item in args.metadata)
    keys = compvis_keys(args.family, args.diffusers)
    sched = mk.schedule_buffers()
    arrays = {k: tensor(k, s, kind, args.seed, sched) for k, (s, kind) in keys.items()}
    if args.in_channels != 4:
        name = "model.diffusion_model.input_blocks.0.0.weight"
        first = arrays[name]
        extra_shape = (first.shape[0], args.in_channels - 4) + first.shape[2:]
        extra = tensor(name + ".extra", extra_shape, "w", args.seed, sched)
        arrays[name] = np.concatenate([first, 0 * extra if args.zero_extra_inputs else extra], axis=1)
    if args.drop:
        del arrays[args.drop]
    if args.reshape:
        arrays[args.reshape] = np.concatenate([arrays[args.reshape]] * 2)
    for name in args.nan:
        arrays[name] = np.full_like(arrays[name], np.nan)
    for name in args.huge:
        arrays[name] = np.full_like(arrays[name], 3e38)
        FLOAT32_KEYS.add(name)
    for name in args.extra:
        arrays[name] = np.zeros((3,), np.float32)
    if args.diffusers and args.family == "sdxl":
        write_sdxl_diffusers(args.out, arrays)
    elif args.diffusers:
        write_diffusers(args.out, arrays, args.family)
    else:
        write(args.out, arrays, metadata)


if __name__ == "__main__":
    main()
