#!/usr/bin/python3
"""A random-weight TAESD decoder in the published layout (madebyollin/taesd:
taesd_decoder.safetensors / taesdxl_decoder.safetensors, keys "1.weight",
"3.conv.0.weight", …) built as torch.nn modules, plus a reference: a random
latent and the decoder's output for it, computed here by PyTorch, so that
DiffScope's C++ decoder is checked against an independent implementation.

  make_tiny_taesd.py OUT_DECODER OUT_REFERENCE [--latent-channels 4] [--size 8] [--seed 0]
"""
import argparse
import json
import struct

import numpy as np
import torch
from torch import nn


class Clamp(nn.Module):  # tanh(x/3)·3: latents squashed into ±3
    def forward(self, x):
        return torch.tanh(x / 3) * 3


class Block(nn.Module):  # three 3×3 convs with ReLUs, a residual, ReLU after the sum
    def __init__(self, n):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(n, n, 3, padding=1), nn.ReLU(), nn.Conv2d(n, n, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(n, n, 3, padding=1))
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))


def decoder(latent_channels):
    layers = [Clamp(), nn.Conv2d(latent_channels, 64, 3, padding=1), nn.ReLU()]
    for _ in range(3):  # three levels of three blocks, each followed by ×2 and a bias-free conv
        layers += [Block(64), Block(64), Block(64), nn.Upsample(scale_factor=2), nn.Conv2d(64, 64, 3, padding=1, bias=False)]
    layers += [Block(64), nn.Conv2d(64, 3, 3, padding=1)]
    return nn.Sequential(*layers)


def write(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().numpy().astype("<f2" if name[0].isdigit() else "<f4").tobytes()
        header[name] = {"dtype": "F16" if name[0].isdigit() else "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for blob in blobs:
            f.write(blob)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("decoder")
    ap.add_argument("reference")
    ap.add_argument("--latent-channels", type=int, default=4)
    ap.add_argument("--size", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    model = decoder(args.latent_channels).eval()
    with torch.no_grad():
        for p in model.parameters():  # weights as stored (float16), so both sides compute on the same values
            p.copy_(p.half().float())
        latent = torch.randn(2, args.latent_channels, args.size, args.size) * 2
        image = model(latent)  # in [0, 1] for a trained decoder
        half = model(torch.nn.functional.avg_pool2d(latent, 2))  # DiffScope's cheaper CPU preview
    write(args.decoder, dict(model.state_dict()))
    write(args.reference, {"latent": latent, "image": image, "image_half": half})


if __name__ == "__main__":
    main()
