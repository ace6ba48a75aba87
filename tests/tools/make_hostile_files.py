#!/usr/bin/env python3
"""Writes the hostile-file corpus into OUT and OUT/cases.json: files a stranger
could hand DiffScope — broken, truncated, absurd or malicious safetensors
files, pickles that run code when unpickled, PNGs that lie about their size,
broken tokenizer files and diffusers folders. tests/test_hostile_files.cpp runs
each through the CLI. Nothing here is committed as a binary; only the standard
library is used.
    make_hostile_files.py OUT MARKER
MARKER: the file the pickles' payload would create (it must never appear)."""
import gzip
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib

OUT, MARKER = sys.argv[1], sys.argv[2]
cases = []


def write(name, data):
    path = os.path.join(OUT, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def add(name, data, kind, expect="error", note=""):
    """A case: `name` (a file, or a folder whose files were written first with
    data None); kind: which commands read it; expect: "error" (exit 1 with a
    message) or "any" (a well-formed file a command may accept: only no crash,
    hang or memory blow-up)."""
    path = write(name, data) if data is not None else os.path.join(OUT, name)
    cases.append({"path": path, "kind": kind, "expect": expect, "note": note})


# --- safetensors: every rule of the reference implementation, truncation at each boundary, absurd sizes ---
def st(header, data=b"", length=None):
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


ok_header = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
ok = st(ok_header, b"\0" * 16)
add("st/empty.safetensors", b"", "safetensors", note="0 bytes")
add("st/4-bytes.safetensors", b"\x10\0\0\0", "safetensors", note="cut inside the length")
add("st/length-only.safetensors", struct.pack("<Q", 100), "safetensors", note="cut after the length")
add("st/length-2e63.safetensors", struct.pack("<Q", 1 << 63) + b"{}", "safetensors", note="absurd header length")
add("st/length-over-limit.safetensors", struct.pack("<Q", 100_000_001) + b"{}", "safetensors")
add("st/cut-in-header.safetensors", ok[: 8 + 20], "safetensors", note="cut inside the JSON")
add("st/cut-at-data.safetensors", ok[: len(ok) - 16], "safetensors", note="cut where the data begins")
add("st/cut-in-data.safetensors", ok[:-1], "safetensors", note="one byte short")
add("st/not-json.safetensors", st(b"hello, world! not json"), "safetensors")
add("st/json-array.safetensors", st(b"[1, 2, 3]"), "safetensors")
add("st/leading-space.safetensors", st(b" " + json.dumps(ok_header).encode(), b"\0" * 16), "safetensors")
add("st/bad-utf8.safetensors", st(b'{"w\xff\xfe": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}}'),
    "safetensors")
add("st/nested-100k.safetensors", st(b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"), "safetensors",
    note="pathologically nested JSON")
add("st/unknown-dtype.safetensors", st({"w": {"dtype": "F12", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 16),
    "safetensors")
add("st/negative-dim.safetensors", st({"w": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}}, b"\0" * 16),
    "safetensors")
add("st/float-dim.safetensors", st({"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 10]}}, b"\0" * 10),
    "safetensors")
add("st/shape-overflow.safetensors",
    st({"w": {"dtype": "F32", "shape": [1 << 32, 1 << 32, 1 << 32], "data_offsets": [0, 16]}}, b"\0" * 16),
    "safetensors")
add("st/absurd-shape.safetensors",
    st({"w": {"dtype": "F32", "shape": [1_000_000, 1_000_000], "data_offsets": [0, 4_000_000_000_000]}}, b"\0" * 16),
    "safetensors", note="4 TB claimed in a 100-byte file")
add("st/offsets-reversed.safetensors", st({"w": {"dtype": "F32", "shape": [0], "data_offsets": [16, 0]}}, b"\0" * 16),
    "safetensors")
add("st/offsets-three.safetensors", st({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16, 32]}}, b"\0" * 16),
    "safetensors")
add("st/overlap.safetensors", st({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12),
    "safetensors")
add("st/gap.safetensors", st({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8), "safetensors")
add("st/trailing.safetensors", st(ok_header, b"\0" * 20), "safetensors")
add("st/count-mismatch.safetensors", st({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 16]}}, b"\0" * 16),
    "safetensors")
add("st/metadata-not-object.safetensors", st({"__metadata__": [1, 2]}), "safetensors")
add("st/metadata-not-string.safetensors", st({"__metadata__": {"a": {"b": 1}}}), "safetensors")
add("st/entry-without-dtype.safetensors", st({"w": {"shape": [4], "data_offsets": [0, 16]}}, b"\0" * 16),
    "safetensors")
add("st/name-100k.safetensors",
    st({"model.diffusion_model." + "a" * 100_000: {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}},
       b"\0" * 16), "safetensors", note="a tensor name long enough to overflow a std::regex")
add("st/not-a-model.safetensors", ok, "safetensors-valid", note="valid file, no model in it")

# --- pickles: what torch.save writes; unpickling either would run `touch MARKER` ---
payload = b"cos\nsystem\n(S'touch " + MARKER.encode() + b"'\ntR."  # GLOBAL os.system, call it


def zip_pickle(data):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/version", "3\n")
    return buffer.getvalue()


# Prove the payload is live (it would run code), with a different marker, in a child Python.
proof = MARKER + ".proof"
live = payload.replace(MARKER.encode(), proof.encode())
subprocess.run([sys.executable, "-c", "import pickle,sys; pickle.loads(sys.stdin.buffer.read())"], input=live,
               check=True)
if not os.path.exists(proof):
    sys.exit("the pickle payload did not run when unpickled: the no-code-ran test would prove nothing")
os.remove(proof)
add("pickle/model.ckpt", payload, "pickle")
add("pickle/model.pt", b"\x80\x02" + payload, "pickle")
add("pickle/renamed.safetensors", b"\x80\x02" + payload, "pickle", note="a pickle under a .safetensors name")
add("pickle/zip.ckpt", zip_pickle(payload), "pickle")
add("pickle/zip-renamed.safetensors", zip_pickle(payload), "pickle", note="torch.save's zip under a .safetensors name")


# --- PNGs: truncated, corrupt, lying about their size ---
def chunk(kind, body, length=None):
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body) if length is None else length) + kind + body + struct.pack(">I", crc)


def png(width, height, rows=None, extra=b"", end=True):
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    raw = rows if rows is not None else b"".join(b"\0" + b"\x80" * (3 * width) for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + ihdr + extra + chunk(b"IDAT", zlib.compress(raw))
    return out + (chunk(b"IEND", b"") if end else b"")


good = png(8, 8)
add("png/empty.png", b"", "png")
add("png/signature-only.png", good[:8], "png")
add("png/cut-in-ihdr.png", good[:20], "png")
add("png/bad-ihdr-crc.png", good[:29] + b"\0\0\0\0" + good[33:], "png")
add("png/cut-in-idat.png", good[:45], "png")
add("png/no-iend.png", png(8, 8, end=False), "png", expect="any", note="complete pixels, no end chunk")
add("png/claims-30000x30000.png", png(30000, 30000, rows=b"\0" * 10), "png", note="900 megapixels in 100 bytes")
add("png/claims-12000x12000.png", png(12000, 12000, rows=b"\0" * 10), "png", note="more than deflate can expand to")
add("png/chunk-claims-1.7GB.png", good[:33] + chunk(b"iTXt", b"x" * 100, length=0x67414D41), "png")
add("png/ztxt-bomb.png", png(8, 8, extra=chunk(b"zTXt", b"parameters\0\0" + zlib.compress(b"A" * 50_000_000, 9))),
    "png", expect="any", note="50 MB of text in 50 KB")
garbage = "\x00\xff{{{Steps: banana, Sampler: ../../etc/passwd, Seed: 1e999, Size: -5x99999999999"
add("png/garbage-parameters.png", png(8, 8, extra=chunk(b"tEXt", b"parameters\0" + garbage.encode("latin-1"))),
    "png", expect="any")
absurd = ("x\nSteps: 2147483648, Sampler: Euler, CFG scale: nan, Seed: 99999999999999999999999, Size: 100000x100000, "
          "Denoising strength: -7, Clip skip: 1000000, Refiner switch at: inf, DiffScope init image: ../../../etc/shadow")
add("png/absurd-parameters.png", png(8, 8, extra=chunk(b"tEXt", b"parameters\0" + absurd.encode())), "png",
    expect="any")
# A field of 30 KB / 300 KB without a comma: std::regex overflowed the stack on it.
for size in (30_000, 300_000):
    long_field = "red apple\nSteps: 20, Sampler: " + "P" * size
    add(f"png/parameters-{size // 1000}kb-field.png",
        png(8, 8, extra=chunk(b"tEXt", b"parameters\0" + long_field.encode())), "png", expect="any")

# --- CLIP tokenizer files (given with --tokenizer) ---
write("tok/vocab-not-json/vocab.json", "this is not json")
write("tok/vocab-not-json/merges.txt", "#version: 0.2\na b\n")
add("tok/vocab-not-json", None, "tokenizer")
write("tok/vocab-array/vocab.json", "[1, 2, 3]")
write("tok/vocab-array/merges.txt", "#version: 0.2\n")
add("tok/vocab-array", None, "tokenizer")
write("tok/merges-unknown/vocab.json", json.dumps({"a</w>": 0, "<|startoftext|>": 1, "<|endoftext|>": 2}))
write("tok/merges-unknown/merges.txt", "#version: 0.2\nq z\nzz yy</w>\n")
add("tok/merges-unknown", None, "tokenizer")
write("tok/ids-absurd/vocab.json", json.dumps({"a": -5, "b": 1 << 40, "<|startoftext|>": 1, "<|endoftext|>": 2}))
write("tok/ids-absurd/merges.txt", "#version: 0.2\n")
add("tok/ids-absurd", None, "tokenizer")
write("tok/no-merges/vocab.json", "{}")
add("tok/no-merges", None, "tokenizer")
add("tok/not-gzip.txt.gz", "plain text, not gzip", "tokenizer")
add("tok/cut-gzip.txt.gz", gzip.compress(b"bpe merges\n" + b"a b\n" * 10000)[:200], "tokenizer")

# --- diffusers folders ---
write("diffusers/no-index/unet/config.json", "{}")
add("diffusers/no-index", None, "diffusers")
write("diffusers/index-not-json/model_index.json", "{{{{")
add("diffusers/index-not-json", None, "diffusers")
write("diffusers/absurd-config/model_index.json", json.dumps({"_class_name": "StableDiffusionPipeline"}))
write("diffusers/absurd-config/scheduler/scheduler_config.json",
      json.dumps({"prediction_type": {"nested": [1e308, None]}, "num_train_timesteps": -1}))
write("diffusers/absurd-config/unet/diffusion_pytorch_model.safetensors", ok)
add("diffusers/absurd-config", None, "diffusers")

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(cases, f, indent=1)
print(len(cases), "cases")
