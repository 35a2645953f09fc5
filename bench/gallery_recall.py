"""End-to-end retrieval benchmark data and scores (bench/gallery_recall.sh runs it; numpy + Pillow).

  python bench/gallery_recall.py make DIR N SEED   writes N held-out single-shape PNGs to DIR/images,
                                                    DIR/captions.txt (the distinct full captions, one a
                                                    line) and DIR/truth.json (file -> its full caption)
  python bench/gallery_recall.py score DIR          reads DIR/truth.json and DIR/results.json (the query
                                                    driver's ranked ids) and prints recall@1 and @5

Images come from models/mmshapes/data.py with a seed the bundled pack never saw (training used seed 1,
its held-out metrics seeds 2 and 102), drawn at random sizes from 48 to 160 pixels as the pack's own
evaluation does, one shape each. The caption of an image names all of its attributes ("a large red
circle on the left"). Text to image: a query is an image's caption, a hit is a retrieved image whose
caption is the same (several images can share one). Image to text: the gallery holds the distinct
captions, a hit is the image's own caption.
"""

from __future__ import annotations

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "models"))
from mmshapes import data  # noqa: E402


def make(out: pathlib.Path, n: int, seed: int) -> None:
    images = out / "images"
    images.mkdir(parents=True, exist_ok=True)
    truth = {}
    for i in range(n):
        size = int(np.random.default_rng([seed, i, 99]).integers(48, 161))
        img, scene = data.sample(seed, i, size, two_objects_p=0.0)
        name = f"{i:05d}.png"
        img.save(images / name)
        truth[name] = data.full_caption(scene.objects[0])
    (out / "truth.json").write_text(json.dumps(truth, indent=0, sort_keys=True))
    (out / "captions.txt").write_text("".join(c + "\n" for c in sorted(set(truth.values()))))


def recall(ranked: list[list[str]], relevant: list[set[str]], k: int) -> float:
    return sum(bool(set(r[:k]) & want) for r, want in zip(ranked, relevant)) / len(ranked)


def score(out: pathlib.Path) -> None:
    truth = json.loads((out / "truth.json").read_text())
    results = json.loads((out / "results.json").read_text())
    by_caption: dict[str, set[str]] = {}
    for name, caption in truth.items():
        by_caption.setdefault(caption, set()).add(name)
    t2i = results["text_to_image"]  # query: an image's caption (one per image), hits: image ids
    i2t = results["image_to_text"]  # query: an image, hits: captions
    t2i_ranked = [t2i[truth[name]] for name in sorted(truth)]
    t2i_relevant = [by_caption[truth[name]] for name in sorted(truth)]
    i2t_ranked = [i2t[name] for name in sorted(truth)]
    i2t_relevant = [{truth[name]} for name in sorted(truth)]
    print(f"images {len(truth)}, distinct captions {len(by_caption)}")
    print("| direction | queries | gallery | recall@1 | recall@5 |")
    print("|---|---|---|---|---|")
    print(
        f"| text to image | {len(t2i_ranked)} captions (one per image; {len(by_caption)} distinct)"
        f" | {len(truth)} images"
        f" | {recall(t2i_ranked, t2i_relevant, 1):.3f} | {recall(t2i_ranked, t2i_relevant, 5):.3f} |"
    )
    print(
        f"| image to text | {len(i2t_ranked)} images | {len(by_caption)} captions"
        f" | {recall(i2t_ranked, i2t_relevant, 1):.3f} | {recall(i2t_ranked, i2t_relevant, 5):.3f} |"
    )


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(pathlib.Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "score":
        score(pathlib.Path(sys.argv[2]))
    else:
        sys.exit("usage: gallery_recall.py make DIR N SEED | score DIR")
