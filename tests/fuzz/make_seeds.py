#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/): small,
valid examples of each format — the fuzzer mutates from there. Run again after
a format grows a feature; the files are committed (a few KB each). The
torch_pickle/ seeds (and embedding_file/a1111.pt) are PyTorch's own output,
copied from tests/tools/make_torch_pickles.py.
    python3 tests/fuzz/make_seeds.py"""
import gzip
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEPARATOR = b"\n=====\n"


def put(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def safetensors(tensors, metadata=None):
    """tensors: {name: (dtype, shape, raw bytes)}"""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def floats(n, fmt="<f"):
    return b"".join(struct.pack(fmt, 0.25 * i - 1) for i in range(n))


def png(width, height, color_type, bit_depth, text_chunks, palette=None):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    row = bytes((x * 37 + y * 11) % 256 for x in range(width * channels * bit_depth // 8) for y in [0])
    raw = b"".join(b"\x00" + row for _ in range(height))

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    if palette:
        out += chunk(b"PLTE", palette)
    for kind, body in text_chunks:
        out += chunk(kind, body)
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


PARAMETERS = [
    "a cat wearing a hat, (masterpiece:1.2)\nNegative prompt: blurry, [ugly]\n"
    "Steps: 20, Sampler: Euler a, Schedule type: Karras, CFG scale: 7, Seed: 1234, Size: 512x512, "
    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Clip skip: 2, Version: v1.10.1",
    "grinning face\nSteps: 30, Sampler: DDIM, CFG scale: 3.5, Seed: 7, Size: 64x64, Eta: 0.5, "
    "DiffScope model: diffscope-emoji, DiffScope spacing: leading, DiffScope noise schedule: auto",
    "a castle <lora:detail:0.6>\nSteps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 4294967295, "
    "Size: 1024x1024, Model: sd_xl_base_1.0, Refiner: sd_xl_refiner_1.0 [7440042bbd], Refiner switch at: 0.8, "
    'Lora hashes: "detail: 0123456789ab", DiffScope original size: 2048x2048, DiffScope crop: 0x0',
    "x\nSteps: 4, Sampler: LCM, Schedule type: LCM, CFG scale: 1, Seed: 1, Size: 512x512, "
    'Denoising strength: 0.75, DiffScope init image: "../in.png", DiffScope precision: bfloat16',
]

PROMPTS = [
    "a (red:1.3) apple on a [wooden] table, ((masterpiece)), BREAK blue sky",
    "\\(escaped\\) parentheses and [unbalanced (brackets:0.5",
    "<lora:detail:0.8> <lora:style:1:0.5> <lora:te=0.2:unet=1:x> a portrait",
    "caf\u00e9 &amp; cr\u00e8me &copy; 2024 &mdash; &#x1F600; &notit; \u0130stanbul",
    "\u732b\u306e\u9854, \U0001F600 grinning face, fu\u00dfball, \uff21\uff22\uff23",
    "word " * 90,
    "",
]


def main():
    # safetensors: each dtype, a scalar, an empty tensor, metadata.
    put("safetensors", "f32.safetensors", safetensors({"w": ("F32", [2, 3], floats(6))}))
    put("safetensors", "mixed.safetensors", safetensors({
        "a.weight": ("F16", [4], floats(4, "<e")),
        "b.bias": ("BF16", [2], b"\x80\x3f\x00\x40"),
        "c.steps": ("I64", [], struct.pack("<q", 1000)),
        "d.empty": ("F32", [0, 5], b""),
        "e.bytes": ("U8", [3], b"\x01\x02\x03"),
    }, {"format": "pt", "modelspec.title": "seed"}))
    put("safetensors", "metadata-only.safetensors", safetensors({}, {"ss_network_dim": "4"}))

    # PNG: RGB with A1111's tEXt, RGBA with iTXt, grey + zTXt, 16-bit, palette.
    put("png", "rgb-text.png", png(4, 3, 2, 8, [(b"tEXt", b"parameters\x00" + PARAMETERS[0].encode("latin-1"))]))
    put("png", "rgba-itxt.png", png(2, 2, 6, 8, [(b"iTXt", b"parameters\x00\x00\x00\x00\x00" +
                                                  PROMPTS[3].encode("utf-8"))]))
    put("png", "grey-ztxt.png", png(3, 3, 0, 8, [(b"zTXt", b"parameters\x00\x00" + zlib.compress(PARAMETERS[1].encode()))]))
    put("png", "rgb16.png", png(2, 2, 2, 16, []))
    put("png", "palette.png", png(2, 2, 3, 8, [], palette=bytes(range(12))))

    for i, text in enumerate(PARAMETERS):
        put("parameters", f"a1111-{i}.txt", text)
    for i, text in enumerate(PROMPTS):
        put("prompt", f"prompt-{i}.txt", text)

    # Tokenizer files: a small, valid Hugging Face pair, then an OpenAI-style gz.
    vocab = {"a</w>": 0, "b</w>": 1, "ab</w>": 2, "<|startoftext|>": 3, "<|endoftext|>": 4, "c": 5}
    merges = "#version: 0.2\na b</w>\n"
    openai = gzip.compress("\"bpe_simple_vocab_16e6.txt#version: 0.2\na b\nab c</w>\n".encode(), mtime=0)
    put("tokenizer_files", "hf-and-gz", json.dumps(vocab).encode() + SEPARATOR + merges.encode() + SEPARATOR + openai)

    # Diffusers folder configs: model_index.json, scheduler_config.json, text_encoder/config.json.
    index = {"_class_name": "StableDiffusionXLPipeline", "_name_or_path": "stabilityai/sdxl-turbo",
             "unet": ["diffusers", "UNet2DConditionModel"]}
    scheduler = {"_class_name": "EulerDiscreteScheduler", "prediction_type": "v_prediction",
                 "timestep_spacing": "trailing", "num_train_timesteps": 1000}
    encoder = {"architectures": ["CLIPTextModel"], "hidden_act": "quick_gelu", "num_hidden_layers": 12}
    put("diffusers_config", "sdxl-turbo", SEPARATOR.join(json.dumps(x).encode() for x in (index, scheduler, encoder)))
    put("diffusers_config", "sd15", SEPARATOR.join([b'{"_class_name": "StableDiffusionPipeline"}',
                                                    b'{"prediction_type": "epsilon"}', b'{"hidden_act": "gelu"}']))

    # The shipped config, then its name aliases' file with a few of its aliases
    # and captions (all of them: over 2 MB, past the fuzzers' -max_len).
    with open(os.path.join(ROOT, "models", "diffscope-emoji.json"), "rb") as f:
        config = f.read()
    with open(os.path.join(ROOT, "models", "diffscope-emoji.aliases.json"), "rb") as f:
        aliases_file = json.loads(f.read())
    aliases = aliases_file["aliases"]
    aliases_file["aliases"] = {k: aliases[k] for k in sorted(aliases)[::max(1, len(aliases) // 16)][:16]}
    captions = aliases_file.get("captions", {})
    aliases_file["captions"] = {k: captions[k] for k in sorted(captions)[::max(1, len(captions) // 16)][:16]}
    put("ldm_config", "diffscope-emoji.json", config)
    put("ldm_config", "diffscope-emoji-and-aliases.json",
        config + SEPARATOR + json.dumps(aliases_file, ensure_ascii=False, indent=1).encode())

    # CLDR annotations (written here, in CLDR's layout): keywords, a tts name,
    # a draft, an inherited value, entities, a skin-tone sequence.
    put("cldr_annotations", "annotations.xml", (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<ldml>\n\t<annotations>\n'
        '\t\t<annotation cp="\U0001F34E">apple | fruit | red</annotation>\n'
        '\t\t<annotation cp="\U0001F34E" type="tts">red apple</annotation>\n'
        '\t\t<annotation cp="\U0001F44D\U0001F3FD" type="tts" draft="contributed">thumbs up: medium</annotation>\n'
        '\t\t<annotation cp="\u2764\ufe0f" draft="unconfirmed">heart</annotation>\n'
        '\t\t<annotation cp="&amp;">\u2191\u2191\u2191 | and &quot;et&quot; &#x263A; &#9731;</annotation>\n'
        '\t</annotations>\n</ldml>\n').encode("utf-8"))

    # LoRA files: kohya (down/up/alpha, a LoCon conv), PEFT (lora_A/B), a LoHa (refused by name).
    put("lora_file", "kohya.safetensors", safetensors({
        "lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight": ("F16", [2, 8], floats(16, "<e")),
        "lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight": ("F16", [8, 2], floats(16, "<e")),
        "lora_unet_down_blocks_0_attentions_0_proj_in.alpha": ("F32", [], struct.pack("<f", 1.0)),
        "lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight": ("F32", [2, 4, 3, 3], floats(72)),
        "lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight": ("F32", [4, 2, 1, 1], floats(8)),
        "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight": ("F32", [2, 8], floats(16)),
        "lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight": ("F32", [8, 2], floats(16)),
    }, {"ss_network_dim": "2", "ss_network_alpha": "1"}))
    put("lora_file", "peft.safetensors", safetensors({
        "unet.down_blocks.0.attentions.0.proj_in.lora_A.weight": ("F32", [2, 8], floats(16)),
        "unet.down_blocks.0.attentions.0.proj_in.lora_B.weight": ("F32", [8, 2], floats(16)),
    }))
    put("lora_file", "loha.safetensors", safetensors({
        "lora_unet_mid_block_attentions_0_proj_in.hada_w1_a": ("F32", [8, 2], floats(16)),
    }))

    # Textual inversions: A1111's emb_params, diffusers' one tensor, SDXL's pair.
    put("embedding_file", "a1111.safetensors", safetensors({"emb_params": ("F16", [2, 8], floats(16, "<e"))}))
    put("embedding_file", "diffusers.safetensors", safetensors({"<cat-toy>": ("F32", [8], floats(8))}))
    put("embedding_file", "sdxl.safetensors", safetensors({
        "clip_l": ("F32", [1, 4], floats(4)), "clip_g": ("BF16", [1, 8], floats(8, "<e"))}))

    with open(os.path.join(ROOT, "resources", "model-catalog.json"), "rb") as f:
        put("model_catalog", "model-catalog.json", f.read())


if __name__ == "__main__":
    main()
