"""Fixtures shared by the client's tests: pictures of the bundled model's shapes, a live target."""

from __future__ import annotations

import io
import os
import pathlib

import pytest

TARGET_ENV = "MMSERVE_TEST_TARGET"
PICTURES_ENV = "MMSERVE_TEST_PICTURES"

# test-support's ShapePictures colours (models/mmshapes/data.py) on its light background
_COLOURS = {"red": (215, 35, 35), "green": (35, 165, 55), "blue": (35, 75, 215)}
_BACKGROUND = (212, 210, 214)


@pytest.fixture(scope="session")
def target() -> str:
    """The live gateway's "host:port" from MMSERVE_TEST_TARGET; the test is skipped without it."""
    value = os.environ.get(TARGET_ENV)
    if not value:
        pytest.skip(f"{TARGET_ENV} is not set; the integration tests need a running gateway")
    return value


@pytest.fixture(scope="session")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """A folder of 64x64 PNGs named colour-shape.png (red-circle.png, blue-square.png, ...).

    stack-it's PythonClientIT writes them with test-support's ShapePictures (the pictures the
    Java tests use) and names the folder in MMSERVE_TEST_PICTURES; run alone, the tests draw
    the same scenes with Pillow.
    """
    given = os.environ.get(PICTURES_ENV)
    if given:
        return pathlib.Path(given)
    folder = tmp_path_factory.mktemp("pictures")
    for colour in _COLOURS:
        for shape in ("circle", "square", "triangle"):
            (folder / f"{colour}-{shape}.png").write_bytes(_draw(colour, shape))
    return folder


def _draw(colour: str, shape: str) -> bytes:
    from PIL import Image, ImageDraw

    side = 256
    image = Image.new("RGB", (side, side), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    c, r = side / 2, 0.2 * side
    if shape == "circle":
        draw.ellipse((c - r, c - r, c + r, c + r), fill=_COLOURS[colour])
    elif shape == "square":
        s = 0.85 * r
        draw.rectangle((c - s, c - s, c + s, c + s), fill=_COLOURS[colour])
    else:
        s = 1.12 * r
        draw.polygon(
            [(c, c - s * 0.82), (c + s * 0.866, c + s * 0.68), (c - s * 0.866, c + s * 0.68)],
            fill=_COLOURS[colour],
        )
    out = io.BytesIO()
    image.resize((64, 64), Image.Resampling.BOX).save(out, format="PNG")
    return out.getvalue()
