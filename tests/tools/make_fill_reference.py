#!/usr/bin/env python3
"""Writes Pillow's results that test_masked_content compares DiffScope against.

    python3 tests/tools/make_fill_reference.py tests/data/masked_fill

Needs Pillow and NumPy (pip install pillow numpy; Debian's python3 has neither
by default). Written once and committed (a few KB): the test itself runs
without Python.

- start.png: a 48x40 picture (a gradient, a disc and a bar: several colours
  near the mask's edge).
- mask.png: a soft-edged ellipse (white repaints), as a blurred mask is.
- blur5.png, blur16.png: Pillow's GaussianBlur(5) and (16) of start.png.
- filled.png: AUTOMATIC1111's "Masked content: fill" of start.png under
  mask.png, the steps of its masking.fill done with Pillow: the image pasted
  into a transparent premultiplied (RGBa) canvas through the inverted mask,
  then blurred at radii 256, 64, 16, 4, 2 and 0 (1, 1, 2, 4, 2 and 1 times),
  each blur composited over the layers before it, the alpha dropped at the end.
"""
import pathlib
import sys

import numpy
from PIL import Image, ImageFilter, ImageOps

WIDTH, HEIGHT = 48, 40


def start_image():
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    rgb = numpy.stack([x / (WIDTH - 1) * 255, y / (HEIGHT - 1) * 255, numpy.full_like(x, 96)], axis=-1)
    disc = (x - 12) ** 2 + (y - 12) ** 2 < 49
    rgb[disc] = (250, 240, 30)
    rgb[30:34, :] = (20, 40, 200)
    return Image.fromarray(rgb.round().astype(numpy.uint8), "RGB")


def mask_image():
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    distance = numpy.sqrt(((x - 28) / 13) ** 2 + ((y - 18) / 10) ** 2)
    soft = numpy.clip((1.25 - distance) / 0.5, 0, 1)  # 1 inside, a ramp at the edge, 0 outside
    return Image.fromarray((soft * 255).round().astype(numpy.uint8), "L")


def a1111_fill(image, mask):
    canvas = Image.new("RGBA", image.size)
    masked = Image.new("RGBa", image.size)
    masked.paste(image.convert("RGBA").convert("RGBa"), mask=ImageOps.invert(mask))
    for radius, repeats in [(256, 1), (64, 1), (16, 2), (4, 4), (2, 2), (0, 1)]:
        blurred = masked.filter(ImageFilter.GaussianBlur(radius)).convert("RGBA")
        for _ in range(repeats):
            canvas.alpha_composite(blurred)
    return canvas.convert("RGB")


def main():
    folder = pathlib.Path(sys.argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    start, mask = start_image(), mask_image()
    start.save(folder / "start.png")
    mask.save(folder / "mask.png")
    for radius in (5, 16):
        start.filter(ImageFilter.GaussianBlur(radius)).save(folder / f"blur{radius}.png")
    a1111_fill(start, mask).save(folder / "filled.png")


if __name__ == "__main__":
    main()
