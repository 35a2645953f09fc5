"""mmserve's Python client in a minute: embed, classify, rank and match against a running gateway.

    ./mmserve up                                   # in one terminal
    pip install "./clients/python[pil]"            # once
    python clients/python/examples/quickstart.py [IMAGE]    # target: $MMSERVE_TARGET or 127.0.0.1:50051

Without IMAGE it draws a red circle (Pillow). Exits 1 with the gateway's error when a call fails.
"""

from __future__ import annotations

import io
import sys

import numpy as np

from mmserve import Client, MmserveError


def red_circle() -> bytes:
    """A 64x64 PNG of a red circle on a light background, like the bundled model's training scenes."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (212, 210, 214))
    ImageDraw.Draw(image).ellipse((77, 77, 179, 179), fill=(215, 35, 35))
    out = io.BytesIO()
    image.resize((64, 64), Image.Resampling.BOX).save(out, format="PNG")
    return out.getvalue()


def main(argv: list[str]) -> int:
    image = argv[1] if len(argv) > 1 else red_circle()
    labels = ["red circle", "blue square", "green triangle"]
    with Client() as client:
        try:
            texts = client.embed_texts(["a red circle", "a blue square"])
            print(f"text embeddings: shape {texts.shape}, norms {np.linalg.norm(texts, axis=1).round(3)}")

            [result] = client.classify([image], labels, prompt_template="a {}")
            print(f"classify: {result.best} (p={result.probabilities[0]:.3f})")

            ranked = client.rank(image, [f"a {label}" for label in labels])
            print(f"rank: best caption is '{labels[ranked[0].index]}' (cosine {ranked[0].similarity:.3f})")

            right, wrong = client.match([(image, "a red circle"), (image, "a blue square")])
            print(f"match: 'a red circle' {right:.3f}, 'a blue square' {wrong:.3f}")
        except MmserveError as error:
            print(error, file=sys.stderr)
            return 1

        try:
            client.classify([image], ["red circle", ""])  # an empty label is refused
            print("an empty label was accepted", file=sys.stderr)
            return 1
        except MmserveError as error:
            field = error.violations[0].field if error.violations else "(none)"
            print(f"invalid request: {error.code.name}, field {field}: {error.message}")
    print("quickstart: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
