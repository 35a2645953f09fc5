"""CLIP image preprocessing with PIL, the reference the Java vision service must match.

RGB conversion (PIL's convert("RGB")), bicubic resize of the short side with PIL's antialiasing filter,
centre crop, rescale to [0, 1], normalise with the pack's mean and std. Needs only numpy and Pillow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps


def resized_size(width: int, height: int, shortest_edge: int) -> tuple[int, int]:
    """Output size of the short-side resize; the long side is truncated, as HF's CLIPImageProcessor
    (get_resize_output_image_size) and torchvision do: 1920x1080 -> 113x64."""
    short, long = (width, height) if width <= height else (height, width)
    new_long = int(long * shortest_edge / short)
    return (shortest_edge, new_long) if width <= height else (new_long, shortest_edge)


def crop_box(width: int, height: int, crop_w: int, crop_h: int) -> tuple[int, int, int, int]:
    """Centre crop offsets floored, as HF's center_crop does: (size - crop) // 2."""
    left = (width - crop_w) // 2
    top = (height - crop_h) // 2
    return left, top, left + crop_w, top + crop_h


def resize_and_crop(img: Image.Image, vision: dict) -> np.ndarray:
    """uint8 [H, W, 3]: the cropped image before rescaling and normalisation."""
    img = ImageOps.exif_transpose(img).convert("RGB")
    size = resized_size(img.width, img.height, vision["resize"]["shortest_edge"])
    img = img.resize(size, Image.BICUBIC)
    crop = vision["crop"]
    img = img.crop(crop_box(img.width, img.height, crop["width"], crop["height"]))
    return np.asarray(img, dtype=np.uint8)


def normalise(crop_u8: np.ndarray, vision: dict) -> np.ndarray:
    """float32 [3, H, W] from uint8 [H, W, 3]."""
    mean = np.asarray(vision["mean"], dtype=np.float32)
    std = np.asarray(vision["std"], dtype=np.float32)
    x = crop_u8.astype(np.float32) * np.float32(vision["rescale_factor"])
    return ((x - mean) / std).transpose(2, 0, 1).astype(np.float32)


def preprocess(img: Image.Image, vision: dict) -> np.ndarray:
    return normalise(resize_and_crop(img, vision), vision)
