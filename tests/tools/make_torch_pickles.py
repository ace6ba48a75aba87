#!/usr/bin/python3
"""torch.save files for DiffScope's torch_pickle and embedding tests, written
by PyTorch itself (Debian's python3-torch): the layouts textual-inversion
files come in, a view into a larger storage, pickle protocol 4, and one that
asks for os.system (it must be refused unread). Every tensor is
arange(n·w).reshape(n, w) / 1000 (view.pt: the strided view described below),
so the tests know the values without reading them here.

  make_torch_pickles.py OUT_FOLDER MARKER_FILE
"""
import collections
import os
import sys
import zipfile

import torch

out, marker = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def values(n, w, dtype=torch.float32):
    return (torch.arange(n * w, dtype=torch.float32).reshape(n, w) / 1000).to(dtype)


# A1111's own .pt (modules/textual_inversion/textual_inversion.py, Embedding.save).
torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": values(2, 768)}, "name": "a1111",
            "step": 500, "sd_checkpoint": "0123abcd", "sd_checkpoint_name": "v1-5-pruned"},
           os.path.join(out, "a1111.pt"))
# The original textual-inversion code's ParameterDict, float16, pickle protocol 4.
params = torch.nn.ParameterDict({"*": torch.nn.Parameter(values(3, 768, torch.float16))})
torch.save({"string_to_token": {"*": 265}, "string_to_param": params, "name": "old"},
           os.path.join(out, "paramdict.pt"), pickle_protocol=4)
# diffusers' learned_embeds.bin: one token's vector.
torch.save({"<cat-toy>": values(1, 1024)[0]}, os.path.join(out, "learned_embeds.bin"))
# An SDXL embedding, and an OrderedDict at the top.
torch.save(collections.OrderedDict([("clip_l", values(2, 768)), ("clip_g", values(2, 1280))]),
           os.path.join(out, "sdxl.pt"))
# A view: rows 1..2, every second column, of a (4, 1536) storage → (2, 768).
base = values(4, 1536)
torch.save({"emb_params": base[1:3, ::2]}, os.path.join(out, "view.pt"))


class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))


torch.save({"emb_params": Evil()}, os.path.join(out, "evil.pt"))

# The A1111 file again with its pickle deflated: a compressed entry.
with zipfile.ZipFile(os.path.join(out, "a1111.pt")) as plain, \
        zipfile.ZipFile(os.path.join(out, "deflated.pt"), "w", zipfile.ZIP_DEFLATED) as packed:
    for item in plain.infolist():
        packed.writestr(item.filename, plain.read(item.filename))
