"""PIL + numpy baseline for CLIP preprocessing, the steps Hugging Face's CLIPImageProcessor takes.

For each image: open from bytes in memory, convert("RGB"), bicubic resize so the short side is the
pack's shortest_edge (long side int(edge * long / short), HF's truncating rule), centre crop
(offset (size - crop) // 2), to float32, rescale, normalise with the pack's mean and std, and
transpose HWC -> CHW (contiguous, as a model input). Single thread: run with OMP_NUM_THREADS=1,
OPENBLAS_NUM_THREADS=1, MKL_NUM_THREADS=1 (bench/preprocess.sh sets them).

    python bench/preprocess_pil.py [--seconds S] [--warmup S] [--json] IMAGE...

Prints one line per image: name, images/s (wall clock) and CPU ms per image (process time, which
leaves out time spent waiting for a core on a busy machine); with --json one JSON object per line.
"""

import argparse
import io
import json
import pathlib
import time

import numpy as np
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODEL_JSON = ROOT / "models" / "shapes-clip" / "model.json"


class Preprocess:
    def __init__(self, vision: dict):
        self.edge = int(vision["resize"]["shortest_edge"])
        self.crop_h = int(vision["crop"]["height"])
        self.crop_w = int(vision["crop"]["width"])
        self.rescale = np.float32(vision["rescale_factor"])
        self.mean = np.asarray(vision["mean"], dtype=np.float32)
        self.std = np.asarray(vision["std"], dtype=np.float32)

    def __call__(self, data: bytes) -> np.ndarray:
        image = Image.open(io.BytesIO(data)).convert("RGB")
        w, h = image.size
        short, long = (w, h) if w <= h else (h, w)
        new_long = int(self.edge * long / short)
        size = (self.edge, new_long) if w <= h else (new_long, self.edge)
        image = image.resize(size, Image.BICUBIC)
        left = (size[0] - self.crop_w) // 2
        top = (size[1] - self.crop_h) // 2
        image = image.crop((left, top, left + self.crop_w, top + self.crop_h))
        pixels = np.asarray(image, dtype=np.float32) * self.rescale
        pixels = (pixels - self.mean) / self.std
        return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def measure(fn, data: bytes, seconds: float, warmup: float) -> tuple[int, float, float]:
    """Runs fn(data) for warmup then seconds of wall time; returns calls, wall s, CPU s."""
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        fn(data)
    n = 0
    start = time.perf_counter()
    cpu_start = time.process_time()
    end = start + seconds
    while True:
        for _ in range(10):
            fn(data)
        n += 10
        now = time.perf_counter()
        if now >= end:
            return n, now - start, time.process_time() - cpu_start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="+", type=pathlib.Path)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per image")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured time per image")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    vision = json.loads(MODEL_JSON.read_text())["vision"]
    fn = Preprocess(vision)
    for path in args.images:
        data = path.read_bytes()
        out = fn(data)
        assert out.shape == (3, fn.crop_h, fn.crop_w) and out.dtype == np.float32, out.shape
        n, elapsed, cpu = measure(fn, data, args.seconds, args.warmup)
        rate = n / elapsed
        cpu_ms = 1000 * cpu / n
        if args.json:
            print(
                json.dumps(
                    {"image": path.name, "images_per_s": rate, "cpu_ms_per_image": cpu_ms, "calls": n}
                )
            )
        else:
            print(f"{path.name}\t{rate:.1f} images/s\t{cpu_ms:.3f} CPU ms/image\t({n} calls)")


if __name__ == "__main__":
    main()
