"""Input conversion: every accepted image form becomes the Image message the gateway expects."""

from __future__ import annotations

import io
import pathlib

import grpc
import numpy as np
import pytest
from PIL import Image

from mmserve import MmserveError
from mmserve.images import to_image
from mmserve.v1 import multimodal_pb2 as pb


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_path_sendsTheFileBytesEncoded(tmp_path: pathlib.Path) -> None:
    data = _png(Image.new("RGB", (4, 3), (1, 2, 3)))
    (tmp_path / "a.png").write_bytes(data)

    assert to_image(tmp_path / "a.png", "images[0]").encoded == data
    assert to_image(str(tmp_path / "a.png"), "images[0]").encoded == data


def test_bytes_areSentAsTheyAre() -> None:
    assert to_image(b"\x89PNG...", "images[0]").encoded == b"\x89PNG..."
    assert to_image(bytearray(b"abc"), "images[0]").encoded == b"abc"


def test_rgbArray_isSentAsRawRgb8RowMajor() -> None:
    array = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)

    raw = to_image(array, "images[0]").raw

    assert (raw.width, raw.height, raw.format) == (3, 2, pb.RGB8)
    assert raw.data == array.tobytes()


def test_nonContiguousArray_isSentInRowMajorOrder() -> None:
    array = np.arange(3 * 2 * 3, dtype=np.uint8).reshape(3, 2, 3).transpose(1, 0, 2)

    raw = to_image(array, "images[0]").raw

    assert (raw.width, raw.height) == (3, 2)
    assert raw.data == np.ascontiguousarray(array).tobytes()


def test_rgbaAndGreyArrays_keepTheirFormat() -> None:
    assert to_image(np.zeros((2, 2, 4), np.uint8), "images[0]").raw.format == pb.RGBA8
    grey = to_image(np.full((5, 7), 9, np.uint8), "images[0]").raw
    assert (grey.width, grey.height, grey.format, grey.data) == (7, 5, pb.GRAY8, b"\x09" * 35)


def test_floatArray_isRefusedNamingTheFieldAndTheDtype() -> None:
    with pytest.raises(MmserveError) as raised:
        to_image(np.zeros((2, 2, 3), np.float32), "images[2]")

    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.violation("images[2]").description.startswith(
        "the array's dtype is float32, but pixels must be uint8"
    )


def test_arrayWithTwoChannels_isRefusedNamingTheShape() -> None:
    with pytest.raises(MmserveError, match=r"images\[0\]: the array's shape is \(2, 2, 2\)"):
        to_image(np.zeros((2, 2, 2), np.uint8), "images[0]")


def test_pilRgbImage_isSentAsRawPixels() -> None:
    image = Image.new("RGB", (3, 2), (10, 20, 30))

    raw = to_image(image, "images[0]").raw

    assert (raw.width, raw.height, raw.format) == (3, 2, pb.RGB8)
    assert raw.data == bytes([10, 20, 30]) * 6


def test_pilPaletteImage_isConvertedToRgb() -> None:
    image = Image.new("RGB", (2, 2), (200, 0, 0)).convert("P")

    raw = to_image(image, "images[0]").raw

    assert raw.format == pb.RGB8
    assert raw.data == image.convert("RGB").tobytes()


def test_pilLuminanceAlpha_isConvertedToRgba() -> None:
    assert to_image(Image.new("LA", (2, 2)), "images[0]").raw.format == pb.RGBA8


def test_missingFile_isRefusedNamingThePath(tmp_path: pathlib.Path) -> None:
    with pytest.raises(MmserveError) as raised:
        to_image(tmp_path / "nope.png", "pairs[1].image")

    assert raised.value.violations[0].field == "pairs[1].image"
    assert raised.value.violations[0].description.endswith("nope.png: no such file")


def test_otherTypes_areRefused() -> None:
    with pytest.raises(MmserveError, match=r"images\[0\]: a int is not an image"):
        to_image(42, "images[0]")  # type: ignore[arg-type]


def test_emptyBytes_areRefused() -> None:
    with pytest.raises(MmserveError, match="the image bytes are empty"):
        to_image(b"", "images[0]")
