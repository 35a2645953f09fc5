"""The pack's probe set: a small labelled set of generated shape images that a rollout classifies
through a canary version before each step (spec.analysis.minProbeAccuracy, docs/architecture.md).

Usage: python -m mmshapes.probes --pack shapes-clip          (writes shapes-clip/probes/)
       python -m mmshapes.probes --pack shapes-clip --check  (exit 1 when the committed files differ)

Deterministic (numpy and Pillow only): image i shows one shape of label i mod 32 (the 32 colour x shape
zero-shot labels, in data.zero_shot_labels() order), with its size, position, background and jitter drawn
from the stream seeded [PROBE_SEED, i], a seed neither training (1) nor held-out evaluation (2, 102) uses.
The PNGs are written without timestamps, so the same source gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import pathlib
import sys

import numpy as np

from . import data

PROBE_SEED = 7
COUNT = 48
FOLDER = "probes"
FILE = "probes.json"
PROMPT_TEMPLATE = "a photo of a {}"


def label_text(color: str, shape: str) -> str:
    return f"{color} {shape}"


def probe(index: int):
    """(PNG bytes, label) of probe image `index`."""
    labels = data.zero_shot_labels()
    color, shape = labels[index % len(labels)]
    rng = np.random.default_rng([PROBE_SEED, index])
    background = "dark" if color == "white" else "light" if color == "black" else ("light", "dark")[rng.integers(2)]
    obj = data.Obj(color, shape, data.SIZES[rng.integers(len(data.SIZES))],
                   data.POSITIONS[rng.integers(len(data.POSITIONS))])
    image = data.render(data.Scene((obj,), background), rng, 64)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue(), label_text(color, shape)


def files() -> dict[str, bytes]:
    """Every file of the probes folder: name -> bytes."""
    out: dict[str, bytes] = {}
    images = []
    for i in range(COUNT):
        png, label = probe(i)
        name = f"{i:02d}-{label.replace(' ', '-')}.png"
        out[name] = png
        images.append({"file": name, "label": label})
    manifest = {
        "format_version": 1,
        "prompt_template": PROMPT_TEMPLATE,
        "labels": [label_text(c, s) for c, s in data.zero_shot_labels()],
        "images": images,
    }
    out[FILE] = (json.dumps(manifest, indent=2) + "\n").encode()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", required=True)
    parser.add_argument("--check", action="store_true", help="compare with the committed files instead of writing")
    args = parser.parse_args()
    folder = pathlib.Path(args.pack) / FOLDER
    wanted = files()
    if args.check:
        present = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        differ = sorted(n for n, b in wanted.items() if not (folder / n).is_file() or (folder / n).read_bytes() != b)
        extra = sorted(present - set(wanted))
        if differ or extra:
            print(f"{folder}: differs from mmshapes.probes: {differ} extra {extra}", file=sys.stderr)
            sys.exit(1)
        return
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.name not in wanted:
            old.unlink()
    for name, content in wanted.items():
        (folder / name).write_bytes(content)
    print(f"{folder}: {COUNT} probe images, {FILE}")


if __name__ == "__main__":
    main()
