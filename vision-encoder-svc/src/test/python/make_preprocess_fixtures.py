"""Make the image fixtures and PIL reference outputs for vision-encoder-svc's image tests.

Run from anywhere with the project's Python (Pillow 11.0.0, numpy):

    models/.venv/bin/python vision-encoder-svc/src/test/python/make_preprocess_fixtures.py

It writes, into src/test/resources/io/mmserve/vision/image/ (or --out):

- the fixture images (PNG, JPEG, GIF, BMP in the modes and variants the decoder handles);
- ``<name>.rgb.bin`` (small colour-model fixtures): the decoded image after ``ImageOps.exif_transpose``
  and ``convert("RGB")``, uint8 HxWx3;
- ``<name>.crop.bin`` (resize fixtures): PIL's CLIP preprocessing before normalisation, uint8 64x64x3:
  exif_transpose, convert("RGB"), ``resize(..., Image.BICUBIC)`` of the short side to 64, centre crop
  64x64, with the Hugging Face CLIPImageProcessor size rounding;
- ``normalize_table.f32``: the normalised value of every uint8 level for each channel, float32 3x256
  little-endian, as CLIPImageProcessor computes it (rescale in float64 then float32, mean and std in
  float32); normalisation is a per-value map, so this table pins it completely;
- ``fixtures.tsv``: one line per fixture (name, file, decoded width, height, lossy, files written);
- ``sizes.tsv``: resized sizes and crop offsets for many input sizes under the three rounding
  conventions (HF CLIPImageProcessor formulas, torchvision's own functions if installed, and
  round-half-even), which the Java ResizeConvention must reproduce.

The output is deterministic (fixed seeds), so rerunning it changes no file.
"""

from __future__ import annotations

import argparse
import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFilter, ImageOps

EDGE = 64
CROP = 64
RESCALE = 0.00392156862745098
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]


# ---------------------------------------------------------------- size conventions


def resized_size(w: int, h: int, edge: int, convention: str) -> tuple[int, int]:
    """(new_w, new_h) so that the short side is `edge`."""
    short, long = (w, h) if w <= h else (h, w)
    exact = edge * long / short
    new_long = int(round(exact)) if convention == "round" else int(exact)
    return (edge, new_long) if w <= h else (new_long, edge)


def crop_offset(size: int, crop: int, convention: str) -> int:
    if convention == "hf":
        return (size - crop) // 2  # transformers.image_transforms.center_crop
    return int(round((size - crop) / 2.0))  # torchvision CenterCrop


def pil_reference(img: Image.Image, convention: str = "hf") -> Image.Image:
    """exif_transpose + convert("RGB") + bicubic short-side resize + centre crop, all in PIL."""
    img = ImageOps.exif_transpose(img).convert("RGB")
    new_w, new_h = resized_size(img.width, img.height, EDGE, convention)
    img = img.resize((new_w, new_h), Image.BICUBIC)
    left = crop_offset(new_w, CROP, convention)
    top = crop_offset(new_h, CROP, convention)
    return img.crop((left, top, left + CROP, top + CROP))


def hf_normalize(crop: Image.Image) -> np.ndarray:
    """CLIPImageProcessor's rescale + normalize on a uint8 HWC image, returned as float32 CHW."""
    a = (np.asarray(crop).astype(np.float64) * RESCALE).astype(np.float32)
    a = (a - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return np.ascontiguousarray(a.transpose(2, 0, 1), dtype="<f4")


# ---------------------------------------------------------------- synthetic content


def photo(w: int, h: int, seed: int, noise: int = 6) -> Image.Image:
    """A photo-like RGB image: smooth colour field, texture, hard-edged shapes, fine noise."""
    rng = np.random.default_rng(seed)
    base = rng.random((h // 24 + 2, w // 24 + 2, 3)) * 255
    img = Image.fromarray(base.astype(np.uint8)).resize((w, h), Image.BICUBIC)
    tex = (rng.random((max(h // 6, 1), max(w // 6, 1), 3)) * 255).astype(np.uint8)
    img = Image.blend(img, Image.fromarray(tex).resize((w, h), Image.BILINEAR), 0.3)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(4, w // 2 + 5)), y0 + int(rng.integers(4, h // 2 + 5))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=colour)
    img = img.filter(ImageFilter.GaussianBlur(0.8))
    noisy = np.asarray(img).astype(np.int16) + rng.integers(-noise, noise + 1, (h, w, 3))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def oriented_scene(w: int, h: int) -> Image.Image:
    """An asymmetric picture, so that every EXIF orientation gives a different result."""
    img = photo(w, h, seed=99)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 0, w // 3, h // 4], fill=(255, 0, 0))
    draw.ellipse([w - w // 4, h - h // 3, w - 1, h - 1], fill=(0, 0, 255))
    return img


# ---------------------------------------------------------------- hand-written containers


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def raw_png(w: int, h: int, depth: int, colour_type: int, rows: list[bytes], extra: bytes = b"") -> bytes:
    """A PNG written by hand, for variants PIL cannot save (16-bit RGB, 16-bit grey+alpha)."""
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 0)
    idat = zlib.compress(b"".join(b"\x00" + r for r in rows), 9)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def adam7_png(img: Image.Image) -> bytes:
    """An interlaced (Adam7) 8-bit RGB PNG, which PIL can read but not write."""
    a = np.asarray(img.convert("RGB"))
    h, w, _ = a.shape
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = a[y0::dy, x0::dx]
        if sub.size:
            raw += b"".join(b"\x00" + row.tobytes() for row in sub)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw, 9))
            + png_chunk(b"IEND", b""))


def strip_jpeg_segment(data: bytes, marker: int) -> bytes:
    """Removes every marker segment of the given type from a JPEG's header."""
    out, p = bytearray(data[:2]), 2
    while p < len(data):
        m, length = data[p + 1], struct.unpack(">H", data[p + 2:p + 4])[0]
        if m == 0xDA:
            out += data[p:]
            break
        if m != marker:
            out += data[p:p + 2 + length]
        p += 2 + length
    return bytes(out)


def encode(img: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **params)
    return buf.getvalue()


def exif_with_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif.tobytes()


# ---------------------------------------------------------------- the fixture set


def fixtures() -> list[tuple[str, str, bytes, bool, tuple[str, ...]]]:
    """(name, extension, bytes, lossy, outputs). Outputs: "rgb" decoded, "crop" preprocessed uint8.
    Colour-model fixtures are small and checked after decoding; resize fixtures are checked after
    preprocessing; the budget for all files is about 400 KB."""
    items: list[tuple[str, str, bytes, bool, tuple[str, ...]]] = []

    def add(name, ext, data, lossy=False, outputs=("rgb",)):
        items.append((name, ext, data, lossy, outputs))

    # resize parity on lossless input: PIL's bicubic bit for bit, at several scale factors
    add("rgb_64x48", "png", encode(photo(64, 48, 1), "PNG"), outputs=("crop",))
    add("rgb_200x100", "png", encode(photo(200, 100, 2, noise=1), "PNG"), outputs=("crop",))
    add("rgb_31x257", "png", encode(photo(31, 257, 3), "PNG"), outputs=("crop",))
    add("rgb_64x64", "png", encode(photo(64, 64, 4), "PNG"), outputs=("crop",))
    add("rgb_240x150", "png", encode(photo(240, 150, 5, noise=0), "PNG"), outputs=("crop",))

    # colour models, decoded and converted as PIL's convert("RGB")
    add("rgb_interlaced_36x27", "png", adam7_png(photo(36, 27, 6)))
    add("gray_40x30", "png", encode(photo(40, 30, 7).convert("L"), "PNG"))
    add("gray4_40x30", "png", encode(photo(40, 30, 8).convert("L").point(lambda v: v // 17 * 17),
                                      "PNG", bits=4))
    add("palette_40x30", "png", encode(photo(40, 30, 9).quantize(200, method=Image.Quantize.MEDIANCUT), "PNG"))
    add("palette_trns_40x30", "png",
        encode(photo(40, 30, 10).quantize(12, method=Image.Quantize.MEDIANCUT), "PNG", transparency=3))
    rgba = photo(40, 30, 11).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize((40, 30)))
    add("rgba_40x30", "png", encode(rgba, "PNG"))
    la = photo(30, 40, 12).convert("LA")
    la.putalpha(Image.linear_gradient("L").rotate(90).resize((30, 40)))
    add("la_30x40", "png", encode(la, "PNG"))
    rng = np.random.default_rng(13)
    g16 = (rng.random((30, 40)) ** 3 * 2000).astype(">u2")  # mostly above 255: PIL clips
    add("gray16_40x30", "png", raw_png(40, 30, 16, 0, [r.tobytes() for r in g16]))
    rgb16 = (np.asarray(photo(40, 30, 14)).astype(">u2") * 257 + rng.integers(0, 257, (30, 40, 3))).astype(">u2")
    add("rgb16_40x30", "png", raw_png(40, 30, 16, 2, [r.tobytes() for r in rgb16]))
    la16 = np.stack([rgb16[..., 0], rgb16[..., 1]], axis=-1).astype(">u2")
    add("la16_40x30", "png", raw_png(40, 30, 16, 4, [r.tobytes() for r in la16]))
    add("exif6_40x30", "png", encode(oriented_scene(40, 30), "PNG", exif=exif_with_orientation(6)))
    add("gif_40x30", "gif", encode(photo(40, 30, 15).quantize(64), "GIF"))
    add("bmp24_40x30", "bmp", encode(photo(40, 30, 16), "BMP"))
    add("bmp8_40x30", "bmp", encode(photo(40, 30, 17).quantize(100), "BMP"))

    # JPEG: libjpeg-turbo (PIL) and the JDK's libjpeg may round differently, so within 1 of PIL
    add("photo_640x480", "jpg", encode(photo(640, 480, 20), "JPEG", quality=60), lossy=True,
        outputs=("crop",))
    add("photo_320x240_444", "jpg", encode(photo(320, 240, 21), "JPEG", quality=70, subsampling=0),
        lossy=True, outputs=("crop",))
    add("photo_301x207_422", "jpg", encode(photo(301, 207, 22), "JPEG", quality=70, subsampling=1),
        lossy=True, outputs=("crop",))
    add("photo_256x192_progressive", "jpg",
        encode(photo(256, 192, 23), "JPEG", quality=70, progressive=True), lossy=True, outputs=("crop",))
    add("photo_40x30_420", "jpg", encode(photo(40, 30, 24), "JPEG", quality=80), lossy=True)
    add("gray_jpeg_40x30", "jpg", encode(photo(40, 30, 25).convert("L"), "JPEG", quality=80), lossy=True)
    cmyk = np.asarray(photo(40, 30, 26).convert("CMYK")).copy()
    cmyk[..., 3] = np.asarray(photo(40, 30, 27).convert("L")) // 2  # real black ink
    cmyk_jpeg = encode(Image.fromarray(cmyk, "CMYK"), "JPEG", quality=85)
    add("cmyk_adobe_40x30", "jpg", cmyk_jpeg, lossy=True)
    add("cmyk_plain_40x30", "jpg", strip_jpeg_segment(cmyk_jpeg, 0xEE), lossy=True)
    xyz = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("XYZ")).tobytes())
    xyz[24:36] = bytes(12)  # the creation time, so that reruns write the same file
    xyz[84:100] = bytes(16)  # the profile ID, an MD5 that covered the time
    xyz = bytes(xyz)
    add("icc_40x30", "jpg", encode(photo(40, 30, 28), "JPEG", quality=80, icc_profile=xyz), lossy=True)
    scene = oriented_scene(24, 16)
    for orientation in range(1, 9):
        add(f"orient{orientation}_24x16", "jpg",
            encode(scene, "JPEG", quality=90, exif=exif_with_orientation(orientation)), lossy=True)
    return items


def gif_with_offset_frame(gif: bytes, screen_w: int, screen_h: int, left: int, top: int) -> bytes:
    """Widens the logical screen and moves the first frame, leaving uncovered canvas."""
    data = bytearray(gif)
    data[6:10] = struct.pack("<HH", screen_w, screen_h)
    p = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while data[p] == 0x21:  # skip extensions
        p += 2
        while data[p]:
            p += 1 + data[p]
        p += 1
    assert data[p] == 0x2C
    data[p + 1:p + 5] = struct.pack("<HH", left, top)
    return bytes(data)


def size_table() -> list[str]:
    sizes = [(640, 480), (1920, 1080), (1080, 1920), (64, 48), (200, 100), (31, 257), (64, 64),
             (65, 64), (96, 64), (100, 75), (1, 300), (300, 1), (77, 131), (4000, 3000),
             (224, 224), (333, 500), (500, 333), (113, 64), (127, 95), (150, 103), (48, 32)]
    try:
        import torchvision.transforms.functional as tvf  # type: ignore
    except ImportError:  # the formulas above then stand in for torchvision
        tvf = None
    lines = ["# width\theight\tedge\tcrop\tconvention\tresized_w\tresized_h\tleft\ttop"]
    for edge, crop in [(64, 64), (224, 224), (64, 48)]:
        for w, h in sizes:
            for convention in ("hf", "torchvision", "round"):
                nw, nh = resized_size(w, h, edge, convention)
                if convention == "torchvision" and tvf is not None:
                    resized = tvf.resize(Image.new("L", (w, h)), edge, antialias=True)
                    assert resized.size == (nw, nh), (w, h, resized.size, (nw, nh))
                left, top = crop_offset(nw, crop, convention), crop_offset(nh, crop, convention)
                lines.append(f"{w}\t{h}\t{edge}\t{crop}\t{convention}\t{nw}\t{nh}\t{left}\t{top}")
    return lines


def main() -> None:
    here = Path(__file__).resolve().parent
    default_out = here.parent / "resources" / "io" / "mmserve" / "vision" / "image"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    items = fixtures()
    gif = next(data for name, _, data, _, _ in items if name == "gif_40x30")
    items.append(("gif_offset_frame_52x41", "gif", gif_with_offset_frame(gif, 52, 41, 9, 7), False, ("rgb",)))

    rows = ["# name\tfile\twidth\theight\tlossy\toutputs"]
    total = 0
    for name, ext, data, lossy, outputs in items:
        path = out / f"{name}.{ext}"
        path.write_bytes(data)
        total += len(data)
        decoded = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
        crop = pil_reference(Image.open(io.BytesIO(data)))
        files = {
            "rgb": (f"{name}.rgb.bin", np.asarray(decoded, dtype=np.uint8).tobytes()),
            "crop": (f"{name}.crop.bin", np.asarray(crop, dtype=np.uint8).tobytes()),
        }
        for output in outputs:
            file_name, content = files[output]
            (out / file_name).write_bytes(content)
            total += len(content)
        rows.append(f"{name}\t{path.name}\t{decoded.width}\t{decoded.height}\t{str(lossy).lower()}\t"
                    + ",".join(outputs))
    levels = Image.fromarray(np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2))
    (out / "normalize_table.f32").write_bytes(hf_normalize(levels).tobytes())  # CHW of a 1x256 image
    (out / "fixtures.tsv").write_text("\n".join(rows) + "\n")
    (out / "sizes.tsv").write_text("\n".join(size_table()) + "\n")
    print(f"wrote {len(items)} fixtures, {total / 1024:.0f} KiB, to {out}")


if __name__ == "__main__":
    main()
