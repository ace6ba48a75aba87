#!/usr/bin/env python3
"""Writes Pillow's results that test_resize_mode compares DiffScope against.

    python3 tests/tools/make_resize_reference.py tests/data/resize

Needs Pillow and NumPy (pip install pillow numpy; Debian's python3 has neither
by default). Written once and committed (a few KB): the test itself runs
without Python.

- source.png: a 60x36 picture with hard edges (a gradient, a disc, a bar, a
  checkerboard), so that Lanczos' negative lobes overshoot and Pillow clips.
- mask.png: a 60x36 grey ("L") ellipse with a soft edge.
- lanczos_WxH.png: source.png through Image.resize((W, H), LANCZOS), shrinking,
  enlarging and both at once.
- band_top.png, band_right.png: Pillow's resize of a zero-high and a
  zero-wide box at the image's edge (what "Resize and fill" stretches).
- MODE_WxH.png: AUTOMATIC1111's images.resize_image(MODE, source, W, H)
  (0 just resize, 1 crop and resize, 2 resize and fill), its steps done with
  Pillow here, for a wider, a taller and a square target.
- mask_MODE_WxH.png: the same for mask.png ("L": Pillow's 8-bit passes).
"""
import pathlib
import sys

import numpy
from PIL import Image

WIDTH, HEIGHT = 60, 36
LANCZOS = Image.Resampling.LANCZOS


def source_image():
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    rgb = numpy.stack([x / (WIDTH - 1) * 255, y / (HEIGHT - 1) * 255, numpy.full_like(x, 120)], axis=-1)
    rgb[(x - 14) ** 2 + (y - 12) ** 2 < 64] = (250, 245, 20)
    rgb[26:29, :] = (10, 30, 220)
    checker = ((x // 2 + y // 2) % 2 == 0) & (x >= 40) & (y < 20)
    rgb[checker] = (255, 255, 255)
    rgb[((x // 2 + y // 2) % 2 == 1) & (x >= 40) & (y < 20)] = (0, 0, 0)
    return Image.fromarray(rgb.round().astype(numpy.uint8), "RGB")


def mask_image():
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    distance = numpy.sqrt(((x - 34) / 16) ** 2 + ((y - 17) / 9) ** 2)
    soft = numpy.clip((1.2 - distance) / 0.4, 0, 1)
    return Image.fromarray((soft * 255).round().astype(numpy.uint8), "L")


def a1111_resize(mode, im, width, height):
    """images.resize_image(mode, im, width, height) without an upscaler."""
    if mode == 0:
        return im.resize((width, height), resample=LANCZOS)
    ratio = width / height
    src_ratio = im.width / im.height
    if mode == 1:
        src_w = width if ratio > src_ratio else im.width * height // im.height
        src_h = height if ratio <= src_ratio else im.height * width // im.width
        resized = im.resize((src_w, src_h), resample=LANCZOS)
        res = Image.new("RGB", (width, height))
        res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
        return res
    src_w = width if ratio < src_ratio else im.width * height // im.height
    src_h = height if ratio >= src_ratio else im.height * width // im.width
    resized = im.resize((src_w, src_h), resample=LANCZOS)
    res = Image.new("RGB", (width, height))
    res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
    if ratio < src_ratio:
        fill = height // 2 - src_h // 2
        res.paste(resized.resize((width, fill), box=(0, 0, width, 0)), box=(0, 0))
        res.paste(resized.resize((width, fill), box=(0, resized.height, width, resized.height)), box=(0, fill + src_h))
    elif ratio > src_ratio:
        fill = width // 2 - src_w // 2
        res.paste(resized.resize((fill, height), box=(0, 0, 0, height)), box=(0, 0))
        res.paste(resized.resize((fill, height), box=(resized.width, 0, resized.width, height)), box=(fill + src_w, 0))
    return res


def main():
    folder = pathlib.Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    source, mask = source_image(), mask_image()
    source.save(folder / "source.png")
    mask.save(folder / "mask.png")
    for width, height in [(23, 17), (97, 71), (120, 20)]:
        source.resize((width, height), resample=LANCZOS).save(folder / f"lanczos_{width}x{height}.png")
    source.resize((60, 5), resample=LANCZOS, box=(0, 0, 60, 0)).save(folder / "band_top.png")
    source.resize((7, 36), resample=LANCZOS, box=(60, 0, 60, 36)).save(folder / "band_right.png")
    for mode in (0, 1, 2):
        for width, height in [(48, 16), (24, 40), (32, 32)]:
            a1111_resize(mode, source, width, height).save(folder / f"{mode}_{width}x{height}.png")
            a1111_resize(mode, mask, width, height).convert("L").save(folder / f"mask_{mode}_{width}x{height}.png")


if __name__ == "__main__":
    main()
