"""Conversions between the client's Python values and the mmserve.v1 messages."""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from mmserve.errors import MmserveError
from mmserve.images import ImageInput, to_image
from mmserve.results import GalleryItem
from mmserve.v1 import multimodal_pb2 as pb


def images_of(images: Sequence[ImageInput], field: str, method: str) -> list[pb.Image]:
    """The Image messages of a list of images; ``field`` ("images") names them in errors."""
    if isinstance(images, (str, bytes, os.PathLike, np.ndarray)) and not (
        isinstance(images, np.ndarray) and images.ndim == 4
    ):
        raise MmserveError.invalid_input(field, "give a list of images, not one image", method)
    out = []
    for i, image in enumerate(images):
        try:
            out.append(to_image(image, f"{field}[{i}]"))
        except MmserveError as e:
            raise MmserveError(e.code, e.message, e.violations, method) from None
    return out


def gallery_item(item: GalleryItem, field: str) -> pb.GalleryItem:
    """The message of one item to upsert; ``field`` ("items[3]") names it in errors."""
    given = [name for name in ("text", "image", "embedding") if getattr(item, name) is not None]
    if len(given) != 1:
        raise MmserveError.invalid_input(
            field, f"give exactly one of text, image or embedding, but got {given or 'none'}", "Upsert"
        )
    message = pb.GalleryItem(id=item.id, metadata=dict(item.metadata))
    if item.text is not None:
        message.text = item.text
    elif item.image is not None:
        message.image.CopyFrom(to_image(item.image, f"{field}.image"))
    else:
        message.embedding.values.extend(np.asarray(item.embedding, dtype=np.float32).tolist())
    return message


def vectors(embeddings: Sequence[pb.Embedding]) -> np.ndarray:
    """The embeddings as rows of a float32 array."""
    if not embeddings:
        return np.zeros((0, 0), dtype=np.float32)
    return np.array([e.values for e in embeddings], dtype=np.float32)
