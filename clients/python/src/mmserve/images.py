"""Turns what a caller has (a path, encoded bytes, a PIL image, a numpy array) into an Image."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from mmserve.errors import MmserveError
from mmserve.v1 import multimodal_pb2 as pb

if TYPE_CHECKING:
    from PIL import Image as PILImage

ImageInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, np.ndarray, "PILImage.Image"]
"""An image as the client accepts it.

- a path (``str`` or ``pathlib.Path``): the file's bytes are sent as they are, decoded by the server;
- ``bytes``: an encoded image file (JPEG, PNG, GIF, BMP, WebP, TIFF);
- a numpy array of ``uint8``, height x width x channels with 3 (RGB) or 4 (RGBA) channels, or
  height x width (grey): sent as raw pixels;
- a PIL image: RGB, RGBA and L are sent as raw pixels; other modes are converted to RGB (RGBA when
  they carry transparency) first.
"""

_CHANNELS = {3: pb.RGB8, 4: pb.RGBA8, 1: pb.GRAY8}
_PIL_FORMATS = {"RGB": pb.RGB8, "RGBA": pb.RGBA8, "L": pb.GRAY8}


def to_image(value: ImageInput, field: str) -> pb.Image:
    """The Image message for ``value``.

    Args:
        value: see :data:`ImageInput`.
        field: the request path of the image (``"images[2]"``), named in errors.

    Raises:
        MmserveError: INVALID_ARGUMENT with a violation of ``field`` if the file cannot be read,
            the array is not an 8-bit image, or the type is not an image input.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        if len(value) == 0:
            raise MmserveError.invalid_input(field, "the image bytes are empty")
        return pb.Image(encoded=bytes(value))
    if isinstance(value, (str, os.PathLike)):
        return pb.Image(encoded=_read(value, field))
    if isinstance(value, np.ndarray):
        return pb.Image(raw=_from_array(value, field))
    if _is_pil_image(value):
        return pb.Image(raw=_from_pil(value))
    raise MmserveError.invalid_input(
        field,
        f"a {type(value).__name__} is not an image; give a path, encoded bytes, "
        "a PIL image or a uint8 numpy array (height x width x 3)",
    )


def _read(path: "str | os.PathLike[str]", field: str) -> bytes:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except FileNotFoundError:
        raise MmserveError.invalid_input(field, f"cannot read {os.fspath(path)}: no such file") from None
    except IsADirectoryError:
        raise MmserveError.invalid_input(field, f"cannot read {os.fspath(path)}: it is a directory") from None
    except OSError as e:
        raise MmserveError.invalid_input(field, f"cannot read {os.fspath(path)}: {e.strerror}") from None
    if not data:
        raise MmserveError.invalid_input(field, f"{os.fspath(path)} is empty")
    return data


def _from_array(array: np.ndarray, field: str) -> pb.RawImage:
    if array.dtype != np.uint8:
        raise MmserveError.invalid_input(
            field,
            f"the array's dtype is {array.dtype}, but pixels must be uint8 (0-255); "
            "for floats in [0, 1] send (array * 255).round().astype(numpy.uint8)",
        )
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    if array.ndim != 3 or array.shape[2] not in _CHANNELS:
        raise MmserveError.invalid_input(
            field,
            f"the array's shape is {array.shape}, but an image is height x width x channels "
            "with 3 (RGB) or 4 (RGBA) channels, or height x width (grey)",
        )
    height, width, channels = array.shape
    if height == 0 or width == 0:
        raise MmserveError.invalid_input(field, f"the array's shape is {array.shape}; the image is empty")
    return pb.RawImage(
        width=width,
        height=height,
        format=_CHANNELS[channels],
        data=np.ascontiguousarray(array).tobytes(),
    )


def _is_pil_image(value: Any) -> bool:
    try:
        from PIL import Image as PILImage
    except ImportError:
        return False
    return isinstance(value, PILImage.Image)


def _from_pil(image: "PILImage.Image") -> pb.RawImage:
    if image.mode not in _PIL_FORMATS:
        transparent = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if transparent else "RGB")
    return pb.RawImage(
        width=image.width,
        height=image.height,
        format=_PIL_FORMATS[image.mode],
        data=image.tobytes(),
    )
