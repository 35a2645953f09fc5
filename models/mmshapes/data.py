"""Deterministic generator of synthetic image-caption data (shapes on plain backgrounds).

Needs only numpy and Pillow, so the model-pack checks can regenerate held-out data without torch.
The same seed always gives the same bytes: every random draw comes from one numpy Generator seeded
per sample, and Pillow's drawing is deterministic.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PIL import Image, ImageDraw

COLORS = {
    "red": (215, 35, 35),
    "green": (35, 165, 55),
    "blue": (35, 75, 215),
    "yellow": (235, 210, 35),
    "purple": (135, 55, 175),
    "orange": (245, 135, 25),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
}
SHAPES = ("circle", "square", "triangle", "star")
SIZES = ("small", "large")
POSITIONS = ("left", "right", "top", "bottom", "centre")

# Object centres as fractions of the canvas, and radii as fractions of its side.
_CENTRES = {
    "left": (0.27, 0.5),
    "right": (0.73, 0.5),
    "top": (0.5, 0.27),
    "bottom": (0.5, 0.73),
    "centre": (0.5, 0.5),
}
_RADII = {"small": 0.11, "large": 0.2}
_POSITION_PHRASES = {
    "left": ("on the left",),
    "right": ("on the right",),
    "top": ("at the top",),
    "bottom": ("at the bottom",),
    "centre": ("in the centre", "in the center"),
}


@dataclasses.dataclass(frozen=True)
class Obj:
    color: str
    shape: str
    size: str
    position: str


@dataclasses.dataclass(frozen=True)
class Scene:
    objects: tuple
    background: str  # "light" or "dark"


def zero_shot_labels():
    """All colour x shape label pairs, in a fixed order."""
    return [(c, s) for c in COLORS for s in SHAPES]


def _bg_allowed(color: str, background: str) -> bool:
    return not (
        (color == "white" and background == "light") or (color == "black" and background == "dark")
    )


def _far_enough(a: Obj, b: Obj) -> bool:
    (ax, ay), (bx, by) = _CENTRES[a.position], _CENTRES[b.position]
    return math.hypot(ax - bx, ay - by) >= _RADII[a.size] + _RADII[b.size] + 0.02


def random_scene(rng: np.random.Generator, two_objects_p: float = 0.3) -> Scene:
    background = ("light", "dark")[rng.integers(2)]
    colors = [c for c in COLORS if _bg_allowed(c, background)]

    def one() -> Obj:
        return Obj(
            colors[rng.integers(len(colors))],
            SHAPES[rng.integers(len(SHAPES))],
            SIZES[rng.integers(len(SIZES))],
            POSITIONS[rng.integers(len(POSITIONS))],
        )

    first = one()
    if rng.random() >= two_objects_p:
        return Scene((first,), background)
    if first.position == "centre":  # nothing fits beside a centred object: move it aside
        first = dataclasses.replace(first, position=POSITIONS[rng.integers(4)])
    while True:
        second = one()
        if (second.color, second.shape) != (first.color, first.shape) and _far_enough(first, second):
            return Scene((first, second), background)


def _shape_points(shape: str, cx: float, cy: float, r: float, angle: float):
    if shape == "square":
        h = r * 0.85
        pts = [(-h, -h), (h, -h), (h, h), (-h, h)]
    elif shape == "triangle":
        R = r * 1.12
        pts = [(R * math.sin(2 * math.pi * k / 3), -R * math.cos(2 * math.pi * k / 3)) for k in range(3)]
        pts = [(x, y + R * 0.18) for x, y in pts]
    elif shape == "star":
        R, ri = r * 1.1, r * 0.45
        pts = []
        for k in range(10):
            rad = R if k % 2 == 0 else ri
            a = math.pi * k / 5
            pts.append((rad * math.sin(a), -rad * math.cos(a)))
    else:
        raise ValueError(shape)
    ca, sa = math.cos(angle), math.sin(angle)
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


def render(scene: Scene, rng: np.random.Generator, width: int = 64, height: int | None = None) -> Image.Image:
    """Draws the scene with light jitter and noise; returns an RGB image of width x height."""
    height = height or width
    ss = 4  # supersampling for antialiased edges
    W, H = width * ss, height * ss
    side = min(W, H)
    if scene.background == "light":
        base = rng.integers(190, 236)
    else:
        base = rng.integers(15, 61)
    tint = rng.integers(-8, 9, size=3)
    bg = tuple(int(np.clip(base + t, 0, 255)) for t in tint)
    img = Image.new("RGB", (W, H), bg)
    draw = ImageDraw.Draw(img)
    for obj in scene.objects:
        fx, fy = _CENTRES[obj.position]
        fx += rng.uniform(-0.03, 0.03)
        fy += rng.uniform(-0.03, 0.03)
        r = _RADII[obj.size] * rng.uniform(0.9, 1.1) * side
        cx = (W - side) / 2 + fx * side
        cy = (H - side) / 2 + fy * side
        jitter = rng.integers(-14, 15, size=3)
        fill = tuple(int(np.clip(v + j, 0, 255)) for v, j in zip(COLORS[obj.color], jitter))
        if obj.shape == "circle":
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fill)
        else:
            angle = rng.uniform(-0.12, 0.12)
            draw.polygon(_shape_points(obj.shape, cx, cy, r, angle), fill=fill)
    img = img.resize((width, height), Image.BOX)
    arr = np.asarray(img, dtype=np.int16)
    noise = rng.normal(0.0, 4.0, size=arr.shape)
    arr = np.clip(np.rint(arr + noise), 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _np(o: Obj, rng, with_size: bool, with_pos: bool, spec: list | None = None) -> str:
    words = ([o.size] if with_size else []) + [o.color, o.shape]
    text = f"{_article(words[0])} {' '.join(words)}"
    if with_pos:
        phrases = _POSITION_PHRASES[o.position]
        text += " " + phrases[rng.integers(2) % len(phrases)]  # always one draw, so replays stay aligned
    if spec is not None:
        named = {"color": o.color, "shape": o.shape}
        if with_size:
            named["size"] = o.size
        if with_pos:
            named["position"] = o.position
        spec.append(named)
    return text


def full_caption(o: Obj, rng: np.random.Generator | None = None) -> str:
    """A caption naming every attribute of one object: 'a large red circle on the left'."""
    rng = rng or np.random.default_rng(0)
    return _np(o, rng, True, True)


def caption(scene: Scene, rng: np.random.Generator) -> str:
    """One caption for the scene from several templates; about half name every attribute."""
    return caption_with_spec(scene, rng)[0]


def caption_with_spec(scene: Scene, rng: np.random.Generator):
    """(caption, spec): spec lists, per object the caption names, the attributes it names."""
    objs = scene.objects
    spec: list = []
    background = None
    if len(objs) == 1:
        o = objs[0]
        k = rng.integers(8)
        if k < 3:
            body = _np(o, rng, True, True, spec)
        elif k == 3:
            body = _np(o, rng, True, False, spec)
        elif k == 4:
            body = _np(o, rng, False, True, spec)
        elif k == 5:
            body = _np(o, rng, False, False, spec)
        elif k == 6:
            body = _np(o, rng, True, True, spec) + f" on a {scene.background} background"
            background = scene.background
        else:
            body = _np(o, rng, rng.random() < 0.5, rng.random() < 0.5, spec)
    else:
        a, b = objs if rng.random() < 0.5 else objs[::-1]
        k = rng.integers(3)
        s_, p_ = (False, False) if k == 0 else (False, True) if k == 1 else (True, True)
        body = f"{_np(a, rng, s_, p_, spec)} and {_np(b, rng, s_, p_, spec)}"
    prefix = ("a photo of ", "an image of ")[rng.integers(2)] if rng.random() < 0.4 else ""
    return prefix + body, (tuple(spec), background)


def consistent(spec, scene: Scene) -> bool:
    """True when the scene has every attribute the caption spec names (distinct objects per named object)."""
    named, background = spec
    if background is not None and background != scene.background:
        return False
    if len(named) > len(scene.objects):
        return False

    def ok(d, o):
        return all(getattr(o, k) == v for k, v in d.items())

    if len(named) == 1:
        return any(ok(named[0], o) for o in scene.objects)
    a, b = scene.objects
    return (ok(named[0], a) and ok(named[1], b)) or (ok(named[0], b) and ok(named[1], a))



def sample(seed: int, index: int, width: int = 64, height: int | None = None, two_objects_p: float = 0.3):
    """Sample `index` of the stream `seed`: (image, scene). Independent of every other index."""
    rng = np.random.default_rng([seed, index])
    scene = random_scene(rng, two_objects_p)
    return render(scene, rng, width, height), scene


def single_object_scene(seed: int, index: int, width: int = 64):
    return sample(seed, index, width, two_objects_p=0.0)


def hard_negative(scene: Scene, rng: np.random.Generator):
    """(true caption, caption with one named attribute swapped so it no longer fits the scene)."""
    while True:
        state = rng.bit_generator.state
        pos, spec = caption_with_spec(scene, rng)
        named, _ = spec
        d = named[rng.integers(len(named))]
        attr = tuple(d)[rng.integers(len(d))]
        target = next(o for o in scene.objects if all(getattr(o, k) == v for k, v in d.items()))
        pool = {"color": list(COLORS), "shape": SHAPES, "size": SIZES, "position": POSITIONS}[attr]
        choices = [v for v in pool if v != getattr(target, attr)]
        new = dataclasses.replace(target, **{attr: choices[rng.integers(len(choices))]})
        swapped = Scene(tuple(new if o is target else o for o in scene.objects), scene.background)
        replay = np.random.default_rng()
        replay.bit_generator.state = state
        neg, neg_spec = caption_with_spec(swapped, replay)
        if neg != pos and not consistent(neg_spec, scene):
            return pos, neg
