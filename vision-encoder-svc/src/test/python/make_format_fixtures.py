"""Make the WebP and TIFF fixtures and their PIL reference outputs for vision-encoder-svc's tests.

Run from anywhere with the project's check Python (Pillow 11.0.0 with WebP, numpy):

    models/.venv-check/bin/python vision-encoder-svc/src/test/python/make_format_fixtures.py

It writes, into src/test/resources/io/mmserve/vision/image/formats/ (or --out):

- the fixture images: WebP (lossless, lossy, with alpha, animated with a first frame that differs from
  the second, with an EXIF orientation, with an ICC profile) and TIFF (uncompressed, LZW, Deflate,
  PackBits; RGB, RGBA, grey 8 and 16-bit, bilevel, palette, CMYK, WhiteIsZero, 16-bit RGB, big-endian,
  two pages, an Orientation tag), about 32x24 pixels each;
- ``<name>.rgb.npy``: ``ImageOps.exif_transpose(Image.open(f)).convert("RGB")``, uint8 HxWx3;
- ``<name>.crop.npy`` (some fixtures): that image through the CLIP preprocessing before normalisation
  (bicubic short side to 64, centre crop 64x64), as ``make_preprocess_fixtures.pil_reference``;
- ``formats.tsv``: name, file, format, decoded width and height, lossy, outputs.

The output is deterministic (fixed seeds), so rerunning it changes no file.
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageOps, features

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_preprocess_fixtures import encode, exif_with_orientation, oriented_scene, photo, pil_reference  # noqa: E402

W, H = 32, 24


def xyz_profile() -> bytes:
    """A non-sRGB ICC profile, deterministic (creation time and ID zeroed); PIL ignores it."""
    xyz = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("XYZ")).tobytes())
    xyz[24:36] = bytes(12)
    xyz[84:100] = bytes(16)
    return bytes(xyz)


def rgba(seed: int) -> Image.Image:
    img = photo(W, H, seed).convert("RGBA")
    alpha = np.asarray(Image.linear_gradient("L").resize((W, H))).copy()
    alpha[:, : W // 4] = 0  # fully transparent columns: their RGB must still be read as stored
    img.putalpha(Image.fromarray(alpha))
    return img


def uncompressed_tiff(a: np.ndarray, photometric: int, bits: int, order: str = "<") -> bytes:
    """A single-strip, uncompressed TIFF written by hand, for variants PIL cannot save (16-bit RGB,
    8-bit WhiteIsZero, big-endian). `a` is HxW or HxWxC of the sample type; `order` "<" or ">"."""
    h, w = a.shape[:2]
    spp = 1 if a.ndim == 2 else a.shape[2]
    pixels = a.astype(order + "u2" if bits == 16 else "u1").tobytes()
    entries = [
        (256, 3, 1, w), (257, 3, 1, h), (258, 3, spp, None), (259, 3, 1, 1), (262, 3, 1, photometric),
        (273, 4, 1, None), (277, 3, 1, spp), (278, 3, 1, h), (279, 4, 1, len(pixels)),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    bits_at = 8 + ifd_size
    extra = struct.pack(order + "H" * spp, *([bits] * spp)) if spp > 2 else b""
    data_at = bits_at + len(extra)
    magic = b"II*\0" if order == "<" else b"MM\0*"
    out = bytearray(magic + struct.pack(order + "I", 8) + struct.pack(order + "H", len(entries)))
    for tag, kind, count, value in entries:
        if tag == 258:
            value = (struct.pack(order + "I", bits_at) if spp > 2
                     else struct.pack(order + "HH", bits, bits if spp == 2 else 0))
        elif tag == 273:
            value = struct.pack(order + "I", data_at)
        else:
            value = struct.pack(order + "HH", value, 0) if kind == 3 else struct.pack(order + "I", value)
        out += struct.pack(order + "HHI", tag, kind, count) + value
    out += struct.pack(order + "I", 0) + extra + pixels
    return bytes(out)


def fixtures() -> list[tuple[str, str, str, bytes, bool, tuple[str, ...]]]:
    """(name, extension, format, bytes, lossy, outputs); outputs: "rgb" decoded, "crop" preprocessed."""
    items = []

    def add(name, ext, fmt, data, lossy=False, outputs=("rgb",)):
        items.append((name, ext, fmt, data, lossy, outputs))

    # WebP: exact through libwebp (PIL's decoder), lossless and lossy alike
    add("webp_lossless_32x24", "webp", "webp", encode(photo(W, H, 40), "WEBP", lossless=True))
    add("webp_lossless_alpha_32x24", "webp", "webp", encode(rgba(41), "WEBP", lossless=True))
    add("webp_lossless_64x48", "webp", "webp", encode(photo(64, 48, 42), "WEBP", lossless=True),
        outputs=("rgb", "crop"))
    add("webp_lossy_32x24", "webp", "webp", encode(photo(W, H, 43), "WEBP", quality=80), lossy=True)
    add("webp_lossy_alpha_32x24", "webp", "webp", encode(rgba(44), "WEBP", quality=80), lossy=True)
    add("webp_lossy_64x48", "webp", "webp", encode(photo(64, 48, 45), "WEBP", quality=75), lossy=True,
        outputs=("rgb", "crop"))
    # odd sizes: libwebp's fancy upsampling of the last chroma row and column
    add("webp_lossy_odd_45x31", "webp", "webp", encode(photo(45, 31, 49), "WEBP", quality=70), lossy=True)
    # a lossy animation with alpha: the first frame's ALPH + VP8 chunks inside ANMF
    add("webp_lossy_animated_alpha_32x24", "webp", "webp",
        encode(rgba(63), "WEBP", quality=80, save_all=True, append_images=[rgba(64)], duration=100),
        lossy=True)
    first, second = photo(W, H, 46), photo(W, H, 47)
    add("webp_animated_32x24", "webp", "webp",
        encode(first, "WEBP", lossless=True, save_all=True, append_images=[second], duration=100))
    add("webp_exif6_32x24", "webp", "webp",
        encode(oriented_scene(W, H), "WEBP", lossless=True, exif=exif_with_orientation(6)))
    add("webp_icc_32x24", "webp", "webp", encode(photo(W, H, 48), "WEBP", lossless=True, icc_profile=xyz_profile()))

    # TIFF: every variant is lossless, so exact
    rgb = photo(W, H, 50)
    add("tiff_raw_rgb_32x24", "tif", "tiff", encode(rgb, "TIFF"))
    add("tiff_lzw_rgb_32x24", "tif", "tiff", encode(rgb, "TIFF", compression="tiff_lzw"))
    add("tiff_deflate_rgb_32x24", "tif", "tiff", encode(rgb, "TIFF", compression="tiff_adobe_deflate"))
    add("tiff_packbits_rgb_32x24", "tif", "tiff", encode(rgb, "TIFF", compression="packbits"))
    add("tiff_lzw_rgb_64x48", "tif", "tiff", encode(photo(64, 48, 51), "TIFF", compression="tiff_lzw"),
        outputs=("rgb", "crop"))
    add("tiff_rgba_32x24", "tif", "tiff", encode(rgba(52), "TIFF", compression="tiff_lzw"))
    add("tiff_gray_32x24", "tif", "tiff", encode(photo(W, H, 53).convert("L"), "TIFF", compression="tiff_lzw"))
    g16 = (np.random.default_rng(54).random((H, W)) ** 3 * 2000).astype(np.uint16)  # mostly > 255: PIL clips
    add("tiff_gray16_32x24", "tif", "tiff", encode(Image.fromarray(g16, "I;16"), "TIFF"))
    add("tiff_bilevel_32x24", "tif", "tiff", encode(photo(W, H, 55).convert("1"), "TIFF", compression="packbits"))
    add("tiff_palette_32x24", "tif", "tiff", encode(photo(W, H, 56).quantize(64), "TIFF", compression="tiff_lzw"))
    add("tiff_cmyk_32x24", "tif", "tiff", encode(photo(W, H, 57).convert("CMYK"), "TIFF", compression="tiff_lzw"))
    grey = np.asarray(photo(W, H, 58).convert("L"))
    add("tiff_whiteiszero_32x24", "tif", "tiff", uncompressed_tiff(grey, 0, 8))
    rgb16 = np.asarray(photo(W, H, 59)).astype(np.uint16) * 257 + np.random.default_rng(59).integers(0, 257, (H, W, 3))
    add("tiff_rgb16_32x24", "tif", "tiff", uncompressed_tiff(rgb16.astype(np.uint16), 2, 16))
    add("tiff_bigendian_gray16_32x24", "tif", "tiff", uncompressed_tiff(g16, 1, 16, order=">"))
    add("tiff_bigendian_rgb_32x24", "tif", "tiff", uncompressed_tiff(np.asarray(photo(W, H, 62)), 2, 8, order=">"))
    add("tiff_two_pages_32x24", "tif", "tiff",
        encode(photo(W, H, 60), "TIFF", save_all=True, append_images=[photo(W, H, 61)]))
    add("tiff_orient6_32x24", "tif", "tiff", encode(oriented_scene(W, H), "TIFF", tiffinfo={274: 6}))
    return items


def save_npy(path: Path, array: np.ndarray) -> int:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array, dtype=np.uint8))
    path.write_bytes(buf.getvalue())
    return len(buf.getvalue())


def main() -> None:
    here = Path(__file__).resolve().parent
    default_out = here.parent / "resources" / "io" / "mmserve" / "vision" / "image" / "formats"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args()
    if not features.check("webp"):
        raise SystemExit("this Pillow has no WebP support")
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rows = ["# name\tfile\tformat\twidth\theight\tlossy\toutputs"]
    total = 0
    for name, ext, fmt, data, lossy, outputs in fixtures():
        path = out / f"{name}.{ext}"
        path.write_bytes(data)
        total += len(data)
        decoded = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
        if "rgb" in outputs:
            total += save_npy(out / f"{name}.rgb.npy", np.asarray(decoded))
        if "crop" in outputs:
            total += save_npy(out / f"{name}.crop.npy", np.asarray(pil_reference(Image.open(io.BytesIO(data)))))
        rows.append(f"{name}\t{path.name}\t{fmt}\t{decoded.width}\t{decoded.height}\t{str(lossy).lower()}\t"
                    + ",".join(outputs))
    (out / "formats.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} fixtures, {total / 1024:.0f} KiB, to {out}")


if __name__ == "__main__":
    main()
