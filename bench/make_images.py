"""Writes the benchmark photos bench/data/photo_640x480.jpg, photo_1920x1080.jpg and photo_64x64.jpg.

The 64x64 one is already the model's input size (PIL skips both resize passes), so serving it
measures the serving path with almost no preprocessing.

Photo-like content, generated deterministically (fixed seed): a smooth two-axis colour gradient,
a few soft-edged shapes, and mild sensor-like noise, saved as baseline JPEG at quality 90 with
PIL's default 4:2:0 chroma subsampling. Run with the models venv:

    models/.venv/bin/python bench/make_images.py
"""

import pathlib

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZES = [(640, 480), (1920, 1080), (64, 64)]
QUALITY = 90
OUT = pathlib.Path(__file__).resolve().parent / "data"


def photo(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / width, y / height
    base = np.stack(
        [
            70 + 150 * u + 20 * np.sin(6.0 * v),
            90 + 80 * v + 30 * np.cos(4.0 * u + 1.0),
            160 - 90 * u * v + 25 * np.sin(5.0 * (u + v)),
        ],
        axis=-1,
    )
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")

    shapes = Image.new("RGB", (width, height))
    mask = Image.new("L", (width, height), 0)
    draw, mdraw = ImageDraw.Draw(shapes), ImageDraw.Draw(mask)
    s = min(width, height)
    for _ in range(12):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = rng.uniform(0.05, 0.2) * s
        box = [cx - r, cy - r, cx + r, cy + r]
        colour = tuple(int(c) for c in rng.integers(20, 236, size=3))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
            mdraw.ellipse(box, fill=255)
        else:
            draw.rectangle(box, fill=colour)
            mdraw.rectangle(box, fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(s / 300))
    img = Image.composite(shapes, img, mask)

    noisy = np.asarray(img, dtype=np.float32) + rng.normal(0, 6.0, size=(height, width, 3))
    return Image.fromarray(np.clip(noisy + 0.5, 0, 255).astype(np.uint8), "RGB")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for i, (w, h) in enumerate(SIZES):
        path = OUT / f"photo_{w}x{h}.jpg"
        photo(w, h, seed=20240 + i).save(path, "JPEG", quality=QUALITY)
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
