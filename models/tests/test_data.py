"""The synthetic data generator: deterministic, covering every attribute, with valid hard negatives."""

import numpy as np

from mmshapes import data


def test_sample_sameSeedGivesSameBytes():
    for i in range(20):
        a, sa = data.sample(5, i, 96)
        b, sb = data.sample(5, i, 96)
        assert a.tobytes() == b.tobytes() and sa == sb


def test_sample_otherSeedGivesOtherImages():
    same = sum(data.sample(5, i)[0].tobytes() == data.sample(6, i)[0].tobytes() for i in range(20))
    assert same == 0


def test_sample_coversEveryAttributeAndBothBackgrounds():
    seen = {"color": set(), "shape": set(), "size": set(), "position": set()}
    backgrounds, counts = set(), set()
    for i in range(3000):
        scene = data.random_scene(np.random.default_rng([9, i]))
        backgrounds.add(scene.background)
        counts.add(len(scene.objects))
        for o in scene.objects:
            for k in seen:
                seen[k].add(getattr(o, k))
    assert seen["color"] == set(data.COLORS) and len(data.COLORS) >= 8
    assert seen["shape"] == set(data.SHAPES) and len(data.SHAPES) >= 4
    assert seen["size"] == set(data.SIZES)
    assert seen["position"] == set(data.POSITIONS)
    assert backgrounds == {"light", "dark"} and counts == {1, 2}


def test_render_respectsRequestedSize():
    img, _ = data.sample(1, 0, 120, 80)
    assert img.size == (120, 80) and img.mode == "RGB"


def test_caption_fitsItsScene():
    rng = np.random.default_rng(3)
    for i in range(500):
        scene = data.random_scene(rng)
        text, spec = data.caption_with_spec(scene, rng)
        assert data.consistent(spec, scene), text


def test_hardNegative_changesOneNamedAttributeAndNoLongerFits():
    rng = np.random.default_rng(4)
    for i in range(300):
        scene = data.random_scene(rng)
        pos, neg = data.hard_negative(scene, rng)
        assert pos != neg
        changed = [a for a, b in zip(pos.split(), neg.split()) if a != b]
        assert len(pos.split()) == len(neg.split())
        # One attribute word changes, plus at most its article ("a" <-> "an") or a position phrase word.
        assert 1 <= len(changed) <= 3, (pos, neg)


def test_fullCaption_namesEveryAttribute():
    o = data.Obj("red", "circle", "large", "left")
    assert data.full_caption(o) == "a large red circle on the left"
