"""Writes the golden files the Java services are checked against (PyTorch, PIL and HF tokenizers outputs).

Usage: python -m mmshapes.reference --checkpoint .work/checkpoint.pt --pack shapes-clip
Everything goes to <pack>/reference/, described by reference/index.json; arrays are .npy (little-endian, C order).
"""

from __future__ import annotations

import argparse
import io
import json
import pathlib

import numpy as np
import torch
from PIL import Image

from . import data, tokenizer
from .export import load
from .model import CrossModalAttention
from .preprocess import normalise, resize_and_crop

CAPTIONS = [
    "a photo of a red circle",
    "a large blue square on the left",
    "a small green triangle at the top",
    "a yellow star in the centre",
    "a purple circle and an orange square",
    "A Photo Of A WHITE Star, on a dark background!",
    "a black triangle at the bottom",
    "a large orange star on the right and a small white circle on the left and a large red "
    "square at the top and a small blue triangle at the bottom",  # longer than the context length
    "",
    "an unknownword zebra",
]

# (file name, width, height, mode, format, extra): modes are what PIL opens them as.
IMAGES = [
    ("rgb_640x480.jpg", 640, 480, "RGB", "JPEG", {}),
    ("rgb_1920x1080.jpg", 1920, 1080, "RGB", "JPEG", {}),
    ("rgb_300x300_q60.jpg", 300, 300, "RGB", "JPEG", {"quality": 60}),
    ("gray_200x150.jpg", 200, 150, "L", "JPEG", {}),
    ("exif_orientation6_160x120.jpg", 160, 120, "RGB", "JPEG", {"orientation": 6}),
    ("rgb_64x64.png", 64, 64, "RGB", "PNG", {}),
    ("rgb_31x257.png", 31, 257, "RGB", "PNG", {}),
    ("gray_200x150.png", 200, 150, "L", "PNG", {}),
    ("palette_128x96.png", 128, 96, "P", "PNG", {}),
    ("palette_transparent_90x120.png", 90, 120, "P", "PNG", {"transparency": True}),
    ("rgba_100x160.png", 100, 160, "RGBA", "PNG", {}),
    ("la_96x96.png", 96, 96, "LA", "PNG", {}),
    ("rgb_48x40.png", 48, 40, "RGB", "PNG", {}),
]


def _exif_with_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def make_image(name, width, height, mode, fmt, extra, index) -> bytes:
    img, _ = data.sample(77, index, width, height, two_objects_p=0.5)
    if mode == "L":
        img = img.convert("L")
    elif mode == "P":
        img = img.convert("P", palette=Image.ADAPTIVE, colors=32)
        if extra.get("transparency"):
            img.info["transparency"] = 0
    elif mode == "RGBA":
        alpha = Image.linear_gradient("L").resize((width, height))
        img = img.convert("RGBA")
        img.putalpha(alpha)
    elif mode == "LA":
        alpha = Image.linear_gradient("L").rotate(90).resize((width, height))
        img = img.convert("L").convert("LA")
        img.putalpha(alpha)
    buf = io.BytesIO()
    kwargs = {}
    if fmt == "JPEG":
        kwargs["quality"] = extra.get("quality", 90)
        if "orientation" in extra:
            kwargs["exif"] = _exif_with_orientation(extra["orientation"])
    if mode == "P" and extra.get("transparency"):
        kwargs["transparency"] = 0
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def cross_attention_goldens(out: pathlib.Path) -> dict:
    """The seed's CrossModalAttention on fixed random weights and inputs, with and without a mask."""
    torch.manual_seed(1234)
    dim, heads, B, Nq, Nk = 32, 4, 2, 5, 7
    cma = CrossModalAttention(dim, heads).eval()
    query = torch.randn(B, Nq, dim)
    kv = torch.randn(B, Nk, dim)
    mask = (torch.rand(B, Nq, Nk) > 0.3).to(torch.int64)
    mask[0, 2, :] = 0  # a fully masked row: uniform attention over the keys
    mask[1, 4, :] = 0
    mask[1, 0, :] = 1
    with torch.no_grad():
        unmasked = cma(query, kv)
        masked = cma(query, kv, mask)
    d = out / "cross_attention"
    d.mkdir(parents=True, exist_ok=True)
    files = {}
    for k, v in cma.state_dict().items():
        np.save(d / f"{k}.npy", v.numpy().astype(np.float32))
        files[k] = f"cross_attention/{k}.npy"
    for k, v in {"query": query, "key_value": kv, "mask": mask, "output_unmasked": unmasked,
                 "output_masked": masked}.items():
        arr = v.numpy()
        np.save(d / f"{k}.npy", arr.astype(np.int64 if k == "mask" else np.float32))
        files[k] = f"cross_attention/{k}.npy"
    return {"dim": dim, "heads": heads, "mask_fill": -1e9, "files": files}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--pack", default="shapes-clip")
    args = ap.parse_args()
    pack = pathlib.Path(args.pack)
    manifest = json.loads((pack / "model.json").read_text())
    vision = manifest["vision"]
    ref = pack / "reference"
    (ref / "images").mkdir(parents=True, exist_ok=True)
    (ref / "arrays").mkdir(parents=True, exist_ok=True)
    model = load(args.checkpoint)

    images, crops, pixels = [], [], []
    for i, (name, w, h, mode, fmt, extra) in enumerate(IMAGES):
        raw = make_image(name, w, h, mode, fmt, extra, i)
        (ref / "images" / name).write_bytes(raw)
        opened = Image.open(io.BytesIO(raw))
        crop = resize_and_crop(opened, vision)
        stem = name.replace(".", "_")  # gray_200x150.jpg and .png must not collide
        np.save(ref / "arrays" / f"{stem}.crop_u8.npy", crop)
        px = normalise(crop, vision)
        np.save(ref / "arrays" / f"{stem}.pixels.npy", px)
        images.append({"file": f"images/{name}", "width": w, "height": h, "pil_mode": opened.mode,
                       "format": fmt, "exif_orientation": extra.get("orientation", 1),
                       "crop_u8": f"arrays/{stem}.crop_u8.npy", "pixels": f"arrays/{stem}.pixels.npy"})
        pixels.append(px)

    tok = tokenizer.build(manifest["text"]["context_length"])
    ids, mask, truncated = tokenizer.encode(tok, CAPTIONS)
    with torch.no_grad():
        img_emb, patches = model.vision(torch.from_numpy(np.stack(pixels)))
        txt_emb, tokens = model.text(torch.from_numpy(ids), torch.from_numpy(mask))
        scale = float(manifest["logit_scale"])
        logits_per_image = scale * img_emb @ txt_emb.t()
        n_img, n_txt = len(IMAGES), len(CAPTIONS)
        ii = torch.arange(n_img).repeat_interleave(n_txt)
        tt = torch.arange(n_txt).repeat(n_img)
        match_logit = model.fusion(tokens[tt], torch.from_numpy(mask)[tt], patches[ii]).reshape(n_img, n_txt)

    arrays = {
        "input_ids": ids, "attention_mask": mask, "truncated": truncated.astype(np.int64),
        "image_embeds": img_emb.numpy(), "text_embeds": txt_emb.numpy(),
        "patch_features": patches.numpy(), "token_features": tokens.numpy(),
        "logits_per_image": logits_per_image.numpy(), "logits_per_text": logits_per_image.t().contiguous().numpy(),
        "softmax_per_image": logits_per_image.softmax(dim=1).numpy(),
        "softmax_per_text": logits_per_image.t().softmax(dim=1).numpy(),
        "match_logit": match_logit.numpy(), "match_probability": torch.sigmoid(match_logit).numpy(),
    }
    files = {}
    for k, v in arrays.items():
        np.save(ref / "arrays" / f"{k}.npy", v if v.dtype == np.int64 else v.astype(np.float32))
        files[k] = f"arrays/{k}.npy"

    index = {
        "pack": {"name": manifest["name"], "version": manifest["version"]},
        "produced_by": "PyTorch (embeddings, fusion), PIL (pixels), HF tokenizers (token ids)",
        "tolerances": {"crop_u8_abs": 1, "embeddings_abs": 1e-4, "match_probability_abs": 1e-4,
                       "attention_rel": 1e-5},
        "images": images,
        "captions": CAPTIONS,
        "arrays": files,
        "notes": {
            "logits_per_image": "[image, caption] = logit_scale * cos(image_i, caption_j); softmax over captions",
            "match_logit": "[image, caption] from the fusion head on patch_features[image], token_features[caption]",
        },
        "cross_attention": cross_attention_goldens(ref),
    }
    (ref / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    print(f"wrote {ref}")


if __name__ == "__main__":
    main()
