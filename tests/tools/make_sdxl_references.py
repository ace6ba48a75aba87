#!/usr/bin/env python3
"""Writes tests/data/sdxl_references.safetensors: what Hugging Face's
transformers and diffusers compute, piece by piece, on the tiny random SDXL
base and refiner checkpoints of make_tiny_sd.py, for test_sdxl_references.

The whole-image conformance test (stable-diffusion.cpp's output) can hide a
mistake that random weights happen to forgive; here each piece is compared on
its own with a second, independent implementation, loaded from the sgm
single file by diffusers' own converters (not DiffScope's names):
  - each text tower's token ids and penultimate hidden states (CLIPTextModel,
    CLIPTextModelWithProjection) and the pooled bigG text (text_embeds);
  - the vector conditioning (the pipeline's time ids through the U-Net's
    add_time_proj, after the pooled text), base and refiner;
  - the U-Net's ε at two timesteps (UNet2DConditionModel, text_time);
  - the VAE's decode and encode (AutoencoderKL) at SDXL's scale 0.13025.

transformers and diffusers are not DiffScope dependencies: run it by hand in
a virtual environment with torch, e.g.
  python3 -m venv /tmp/ref && /tmp/ref/bin/pip install torch diffusers transformers safetensors
  /tmp/ref/bin/python tests/tools/make_sdxl_references.py
It makes the checkpoints with Debian's /usr/bin/python3 (make_tiny_sd.py, as
the test does) and records their sha256, so the test can tell a changed
checkpoint from a wrong piece.
"""
import gzip
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import diffusers
import safetensors.torch
import torch
import transformers
from diffusers import AutoencoderKL, UNet2DConditionModel
from diffusers.loaders import single_file_utils as sfu
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection, CLIPTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..")
SHARED = os.environ.get("DIFFSCOPE_SHARED_DIR") or os.path.join(SOURCE, "..", "shared")
OUT = os.path.join(SOURCE, "tests", "data", "sdxl_references.safetensors")

PROMPT = "a photo of an astronaut riding a horse on the moon, highly detailed"
SDXL_SCALE = 0.13025
LATENT_H, LATENT_W = 16, 12  # the tiny VAE halves: 32 × 24 pixels
ORIGINAL, CROP = (96, 80), (4, 8)
AESTHETIC = 6.0
TIMESTEPS = (901.0, 250.0)
CLIP_L, CLIP_G, LAYERS, HEAD = 64, 128, 3, 64  # make_tiny_sd.py's SDXL widths


def make_checkpoint(folder, family):
    path = os.path.join(folder, family + ".safetensors")
    subprocess.run(["/usr/bin/python3", os.path.join(HERE, "make_tiny_sd.py"), path, "--family", family], check=True,
                   env={**os.environ, "DIFFSCOPE_SHARED_DIR": SHARED})
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {k: v.float() for k, v in safetensors.torch.load_file(path).items()}, digest


def tokenizer(folder):
    """OpenAI's vocabulary (the BPE merges file CLIP ships) as the vocab.json
    and merges.txt that transformers reads, built as OpenAI's
    SimpleTokenizer builds its encoder."""
    merges = gzip.open(os.path.join(SHARED, "data", "clip", "bpe_simple_vocab_16e6.txt.gz")).read().decode().split("\n")
    merges = merges[1:49152 - 256 - 2 + 1]
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = [chr(c) for c in cs]
    vocab += [v + "</w>" for v in vocab] + ["".join(m.split()) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
    with open(os.path.join(folder, "vocab.json"), "w") as f:
        json.dump({v: i for i, v in enumerate(vocab)}, f)
    with open(os.path.join(folder, "merges.txt"), "w") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    return CLIPTokenizer(os.path.join(folder, "vocab.json"), os.path.join(folder, "merges.txt"))


def token_ids(tok, pad_id):
    ids = tok(PROMPT).input_ids[:77]
    return torch.tensor([ids + [pad_id] * (77 - len(ids))], dtype=torch.long)


def fingerprint(tensor):
    """Σ vᵢ·(i mod 97 + 1) in float64: tells tensors (and same-shaped ones
    swapped) apart; test_sd_references / test_sdxl_references compute it too."""
    v = tensor.double().flatten()
    return float((v * (torch.arange(v.numel(), dtype=torch.float64) % 97 + 1)).sum())


def layout(state):
    """A diffusers folder part as diffusers' converter writes it: each name's shape and fingerprint."""
    return {k: [list(v.shape), fingerprint(v)] for k, v in sorted(state.items())}


LAYOUTS = {}  # part → layout(), of what load_strict was given with a part name


def load_strict(model, state, part=None):
    if part:
        LAYOUTS[part] = layout(state)
    if not any(k.startswith("text_model.") for k in model.state_dict()):
        # transformers 5's CLIPTextModel dropped the "text_model." level that
        # its checkpoints (and diffusers' converter) still write.
        state = {k.removeprefix("text_model."): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    unexpected = [k for k in unexpected if not k.endswith("position_ids")]  # a buffer, not a weight
    if missing or unexpected:
        sys.exit(f"{type(model).__name__}: missing {missing}, unexpected {unexpected}")
    return model.eval()


def text_config(width, act, projection=0):
    return CLIPTextConfig(vocab_size=49408, hidden_size=width, intermediate_size=4 * width, num_hidden_layers=LAYERS,
                          num_attention_heads=width // HEAD, max_position_embeddings=77, hidden_act=act,
                          projection_dim=projection or width, bos_token_id=49406, eos_token_id=49407,
                          pad_token_id=49407)


def clip_l(checkpoint):
    state = sfu.convert_ldm_clip_checkpoint(checkpoint, remove_prefix="conditioner.embedders.0.transformer.")
    return load_strict(CLIPTextModel(text_config(CLIP_L, "quick_gelu")), state, "text_encoder")


def bigg(checkpoint, prefix, part=None):
    model = CLIPTextModelWithProjection(text_config(CLIP_G, "gelu", CLIP_G))
    return load_strict(model, sfu.convert_open_clip_checkpoint(model, checkpoint, prefix=prefix), part)


def original_config(context_dim, adm):
    """sgm's sd_xl_base.yaml / sd_xl_refiner.yaml at make_tiny_sd.py's widths."""
    return {"model": {"params": {
        "network_config": {"params": {
            "in_channels": 4, "out_channels": 4, "model_channels": 64, "channel_mult": [1, 2],
            "attention_resolutions": [2], "num_res_blocks": 1, "transformer_depth": [1, 2],
            "num_head_channels": HEAD, "use_linear_in_transformer": True, "context_dim": context_dim,
            "num_classes": "sequential", "adm_in_channels": adm}},
        "first_stage_config": {"params": {"ddconfig": {
            "in_channels": 3, "out_ch": 3, "ch": 32, "ch_mult": [1, 2], "z_channels": 4, "num_res_blocks": 1}}},
        "scale_factor": SDXL_SCALE}}}


def unet(checkpoint, context_dim, adm, part=None):
    config = sfu.create_unet_diffusers_config_from_ldm(original_config(context_dim, adm), checkpoint)
    # diffusers recognises SDXL by its full-size context (2,048 or 1,280); at
    # these widths it must be told the vector conditioning is "text_time".
    config.update(class_embed_type=None, addition_embed_type="text_time", addition_time_embed_dim=256)
    model = UNet2DConditionModel(**config)
    return load_strict(model, sfu.convert_ldm_unet_checkpoint(checkpoint, config), part)


def vae(checkpoint):
    config = sfu.create_vae_diffusers_config_from_ldm(original_config(192, 0), checkpoint)
    return load_strict(AutoencoderKL(**config), sfu.convert_ldm_vae_checkpoint(checkpoint, config), "vae")


def vector(unet_model, pooled, time_ids):
    """What UNet2DConditionModel does with added_cond_kwargs (get_aug_embed):
    the time ids through add_time_proj, after the pooled text."""
    embedded = unet_model.add_time_proj(time_ids.flatten()).reshape(time_ids.shape[0], -1)
    return torch.cat([pooled, embedded], dim=-1)


def references(folder):
    out, digests = {}, {}
    tok = tokenizer(folder)
    g = torch.Generator().manual_seed(2026)
    x = torch.randn(1, 4, LATENT_H, LATENT_W, generator=g)
    out["x"] = x
    target = (LATENT_H * 2, LATENT_W * 2)

    base, digests["sdxl"] = make_checkpoint(folder, "sdxl")
    ids_l, ids_g = token_ids(tok, 49407), token_ids(tok, 0)  # tokenizer_2 pads with "!" (id 0)
    tower_l, tower_g = clip_l(base), bigg(base, "conditioner.embedders.1.model.", "text_encoder_2")
    hidden_l = tower_l(ids_l, output_hidden_states=True).hidden_states[-2]
    g_out = tower_g(ids_g, output_hidden_states=True)
    out.update(ids_l=ids_l, ids_g=ids_g, context=torch.cat([hidden_l, g_out.hidden_states[-2]], dim=-1),
               pooled=g_out.text_embeds)
    out["time_ids"] = torch.tensor([[*ORIGINAL, *CROP, *target]], dtype=torch.float32)
    net = unet(base, CLIP_L + CLIP_G, CLIP_G + 6 * 256, "unet")
    out["vector"] = vector(net, out["pooled"], out["time_ids"])
    for t in TIMESTEPS:
        out[f"eps_{int(t)}"] = net(x, t, encoder_hidden_states=out["context"],
                                   added_cond_kwargs={"text_embeds": out["pooled"], "time_ids": out["time_ids"]}).sample

    autoencoder = vae(base)
    out["z"] = torch.randn(1, 4, LATENT_H // 2, LATENT_W // 2, generator=g)
    out["decoded"] = autoencoder.decode(out["z"] / SDXL_SCALE).sample
    out["image"] = torch.rand(1, 3, LATENT_H * 2, LATENT_W * 2, generator=g) * 2 - 1
    out["encoded"] = autoencoder.encode(out["image"]).latent_dist.mean * SDXL_SCALE

    refiner, digests["sdxl-refiner"] = make_checkpoint(folder, "sdxl-refiner")
    r_out = bigg(refiner, "conditioner.embedders.0.model.")(ids_g, output_hidden_states=True)
    out.update(refiner_context=r_out.hidden_states[-2], refiner_pooled=r_out.text_embeds)
    out["refiner_time_ids"] = torch.tensor([[*ORIGINAL, *CROP, AESTHETIC]], dtype=torch.float32)
    r_net = unet(refiner, CLIP_G, CLIP_G + 5 * 256)
    out["refiner_vector"] = vector(r_net, out["refiner_pooled"], out["refiner_time_ids"])
    out["refiner_eps_250"] = r_net(x, 250.0, encoder_hidden_states=out["refiner_context"],
                                   added_cond_kwargs={"text_embeds": out["refiner_pooled"],
                                                      "time_ids": out["refiner_time_ids"]}).sample
    return out, digests


def made_with():
    return f"torch {torch.__version__}, transformers {transformers.__version__}, diffusers {diffusers.__version__}"


def main():
    torch.manual_seed(0)
    with torch.no_grad(), tempfile.TemporaryDirectory() as folder:
        tensors, digests = references(folder)
    metadata = {"prompt": PROMPT, "sha256_sdxl": digests["sdxl"], "sha256_sdxl_refiner": digests["sdxl-refiner"],
                "vae_scale": str(SDXL_SCALE), "timesteps": json.dumps(TIMESTEPS),
                "diffusers_layout": json.dumps(LAYOUTS), "made_with": made_with()}
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    safetensors.torch.save_file(tensors, OUT, metadata=metadata)
    print(OUT, os.path.getsize(OUT), "bytes;", metadata["made_with"])


if __name__ == "__main__":
    main()
