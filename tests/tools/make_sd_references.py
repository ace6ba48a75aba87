#!/usr/bin/env python3
"""Writes tests/data/sd_references.safetensors: what transformers and
diffusers compute, piece by piece, on make_tiny_sd.py's tiny random SD 1.x
and SD 2.x checkpoints, for test_sd_references (SDXL has its own:
make_sdxl_references.py, whose helpers this uses).

SD 1.x: CLIP ViT-L's last layer after its final norm; SD 2.x: OpenCLIP's
penultimate layer after the final norm (ldm's FrozenOpenCLIPEmbedder,
layer="penultimate"), its ids padded with 0. For each: the token ids, the
context, the U-Net's ε at two timesteps, and the VAE's decode and encode at
scale 0.18215. Run it by hand, as make_sdxl_references.py says.
"""
import json
import os
import sys
import tempfile

import safetensors.torch
import torch
from diffusers.loaders import single_file_utils as sfu
from transformers import CLIPTextModel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_sdxl_references as xl  # noqa: E402  (its helpers; it is not run)

OUT = os.path.join(xl.SOURCE, "tests", "data", "sd_references.safetensors")
SD_SCALE = 0.18215
LAYERS = 2  # make_tiny_sd.py's SD 1.x/2.x text towers


def original_config(context_dim, sd2):
    """CompVis's v1-inference.yaml / SD 2's v2-inference.yaml at make_tiny_sd.py's widths."""
    unet = {"in_channels": 4, "out_channels": 4, "model_channels": 64, "channel_mult": [1, 2],
            "attention_resolutions": [1, 2], "num_res_blocks": 1, "transformer_depth": 1, "context_dim": context_dim}
    unet.update({"num_head_channels": 64, "use_linear_in_transformer": True} if sd2 else {"num_heads": 8})
    return {"model": {"params": {
        "unet_config": {"params": unet},
        "first_stage_config": {"params": {"ddconfig": {
            "in_channels": 3, "out_ch": 3, "ch": 32, "ch_mult": [1, 2], "z_channels": 4, "num_res_blocks": 1}}},
        "scale_factor": SD_SCALE}}}


def text_tower(checkpoint, sd2):
    if not sd2:
        config = xl.text_config(768, "quick_gelu")
        config.num_hidden_layers, config.num_attention_heads = LAYERS, 12
        state = sfu.convert_ldm_clip_checkpoint(checkpoint)
        return xl.load_strict(CLIPTextModel(config), state, "text_encoder")
    config = xl.text_config(1024, "gelu", 1024)
    config.num_hidden_layers, config.num_attention_heads = LAYERS, 16
    model = CLIPTextModel(config)  # diffusers' converter leaves out text_projection, which SD 2.x does not use
    return xl.load_strict(model, sfu.convert_open_clip_checkpoint(model, checkpoint, prefix="cond_stage_model.model."))


def family(folder, name, tok, x, g):
    checkpoint, digest = xl.make_checkpoint(folder, name)
    sd2 = name == "sd2"
    ids = xl.token_ids(tok, 0 if sd2 else 49407)
    tower = text_tower(checkpoint, sd2)
    if sd2:
        hidden = tower(ids, output_hidden_states=True).hidden_states[-2]
        context = getattr(tower, "text_model", tower).final_layer_norm(hidden)  # transformers 5 has no text_model level
    else:
        context = tower(ids).last_hidden_state
    config = original_config(context.shape[-1], sd2)
    unet_config = sfu.create_unet_diffusers_config_from_ldm(config, checkpoint)
    net = xl.load_strict(xl.UNet2DConditionModel(**unet_config), sfu.convert_ldm_unet_checkpoint(checkpoint, unet_config),
                         "unet")
    vae_config = sfu.create_vae_diffusers_config_from_ldm(config, checkpoint)
    vae = xl.load_strict(xl.AutoencoderKL(**vae_config), sfu.convert_ldm_vae_checkpoint(checkpoint, vae_config), "vae")
    out = {"ids": ids, "context": context}
    for t in xl.TIMESTEPS:
        out[f"eps_{int(t)}"] = net(x, t, encoder_hidden_states=context).sample
    out["z"] = torch.randn(1, 4, xl.LATENT_H // 2, xl.LATENT_W // 2, generator=g)
    out["decoded"] = vae.decode(out["z"] / SD_SCALE).sample
    out["image"] = torch.rand(1, 3, xl.LATENT_H * 2, xl.LATENT_W * 2, generator=g) * 2 - 1
    out["encoded"] = vae.encode(out["image"]).latent_dist.mean * SD_SCALE
    return {f"{name}_{k}": v for k, v in out.items()}, digest


def main():
    tensors, metadata = {}, {"prompt": xl.PROMPT, "vae_scale": str(SD_SCALE)}
    with torch.no_grad(), tempfile.TemporaryDirectory() as folder:
        tok = xl.tokenizer(folder)
        g = torch.Generator().manual_seed(2026)
        tensors["x"] = torch.randn(1, 4, xl.LATENT_H, xl.LATENT_W, generator=g)
        for name in ("sd1", "sd2"):
            xl.LAYOUTS.clear()
            out, metadata[f"sha256_{name}"] = family(folder, name, tok, tensors["x"], g)
            tensors.update(out)
            # SD 2.x's diffusers text encoder is a different network (OpenCLIP
            # converted with its last layer dropped): only the U-Net and VAE compare.
            metadata[f"diffusers_layout_{name}"] = json.dumps(xl.LAYOUTS)
    metadata["made_with"] = xl.made_with()
    safetensors.torch.save_file({k: v.contiguous() for k, v in tensors.items()}, OUT, metadata=metadata)
    print(OUT, os.path.getsize(OUT), "bytes;", metadata["made_with"])


if __name__ == "__main__":
    main()
