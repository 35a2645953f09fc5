"""The committed shapes-clip pack: files, manifest, ONNX parity with PyTorch's golden outputs, and quality.

Runs with onnxruntime, numpy, Pillow and tokenizers only (no torch). Tolerances are stated per test.
"""

import io
import json
import pathlib
import struct

import numpy as np
import onnxruntime as ort
import pytest
from PIL import Image
from tokenizers import Tokenizer

from mmshapes import evaluate, preprocess

MODELS = pathlib.Path(__file__).resolve().parents[1]
PACK = MODELS / "shapes-clip"
REF = PACK / "reference"


@pytest.fixture(scope="module")
def manifest():
    return json.loads((PACK / "model.json").read_text())


@pytest.fixture(scope="module")
def index():
    return json.loads((REF / "index.json").read_text())


def arr(index, key):
    return np.load(REF / index["arrays"][key])


def session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_models_folder_isAtMost25MB():
    def committed(p):  # leaves out virtual environments, caches and training scratch (all git-ignored)
        rel = p.relative_to(MODELS).parts
        return p.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel)

    total = sum(p.stat().st_size for p in MODELS.rglob("*") if committed(p))
    assert total <= 25 * 1024 * 1024, total


def test_manifest_namesFilesThatExist(manifest):
    for part in ("text", "vision"):
        enc = manifest[part]["encoder"]
        assert (PACK / enc["file"]).is_file() and (PACK / enc["int8_file"]).is_file()
    assert (PACK / manifest["text"]["tokenizer"]).is_file()
    assert (PACK / manifest["fusion"]["weights"]).is_file() and (PACK / manifest["fusion"]["file"]).is_file()
    assert (PACK / "README.md").is_file()


@pytest.mark.parametrize("part,key", [("text", "file"), ("text", "int8_file"), ("vision", "file"), ("vision", "int8_file")])
def test_onnxTensors_matchManifest(manifest, part, key):
    enc = manifest[part]["encoder"]
    s = session(PACK / enc[key])
    got_in = [(i.name, [d if isinstance(d, int) else -1 for d in i.shape]) for i in s.get_inputs()]
    got_out = [(o.name, [d if isinstance(d, int) else -1 for d in o.shape]) for o in s.get_outputs()]
    assert got_in == [(t["name"], t["shape"]) for t in enc["inputs"]]
    assert got_out == [(t["name"], t["shape"]) for t in enc["outputs"]]


def test_fusionSafetensors_matchManifestShapes(manifest):
    raw = (PACK / manifest["fusion"]["weights"]).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    header.pop("__metadata__", None)
    assert {k: v["shape"] for k, v in header.items()} == {
        k: v["shape"] for k, v in manifest["fusion"]["tensors"].items()
    }
    assert all(v["dtype"] == "F32" for v in header.values())


def test_tokenizer_idsEqualGolden(manifest, index):
    tok = Tokenizer.from_file(str(PACK / manifest["text"]["tokenizer"]))
    encs = tok.encode_batch(index["captions"])
    assert np.array_equal(np.array([e.ids for e in encs]), arr(index, "input_ids"))
    assert np.array_equal(np.array([e.attention_mask for e in encs]), arr(index, "attention_mask"))
    truncated = arr(index, "truncated")
    assert truncated.sum() == 1 and truncated[7] == 1  # exactly the over-long caption


def test_preprocess_equalsGoldenPixels(manifest, index):
    """PIL's pipeline against the committed PIL output: bit-exact crop (same Pillow), pixels within 1e-6."""
    vision = manifest["vision"]
    assert len(index["images"]) >= 12
    modes = {im["pil_mode"] for im in index["images"]}
    assert {"L", "P", "RGBA", "RGB"} <= modes
    for im in index["images"]:
        img = Image.open(io.BytesIO((REF / im["file"]).read_bytes()))
        crop = preprocess.resize_and_crop(img, vision)
        assert np.abs(crop.astype(int) - np.load(REF / im["crop_u8"]).astype(int)).max() == 0, im["file"]
        assert np.abs(preprocess.normalise(crop, vision) - np.load(REF / im["pixels"])).max() <= 1e-6


def test_visionOnnx_matchesPytorchGolden_within1e4(manifest, index):
    pixels = np.stack([np.load(REF / im["pixels"]) for im in index["images"]])
    emb, patches = session(PACK / manifest["vision"]["encoder"]["file"]).run(None, {"pixel_values": pixels})
    assert np.abs(emb - arr(index, "image_embeds")).max() <= 1e-4
    assert np.abs(patches - arr(index, "patch_features")).max() <= 1e-4
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


def test_textOnnx_matchesPytorchGolden_within1e4(manifest, index):
    ids, mask = arr(index, "input_ids"), arr(index, "attention_mask")
    emb, feats = session(PACK / manifest["text"]["encoder"]["file"]).run(
        None, {"input_ids": ids, "attention_mask": mask})
    assert np.abs(emb - arr(index, "text_embeds")).max() <= 1e-4
    assert np.abs(feats - arr(index, "token_features")).max() <= 1e-4


@pytest.mark.parametrize("key", ["file", "int8_file"])
def test_textOnnx_declaresADynamicSequenceUpToTheContextLength(manifest, key):
    text = manifest["text"]
    assert text["dynamic_sequence"] is True and text["max_sequence_length"] == text["context_length"]
    s = session(PACK / text["encoder"][key])
    assert all(not isinstance(i.shape[1], int) for i in s.get_inputs())


def test_textOnnx_paddedOnlyToTheLongestText_matchesTheFixedLengthGolden_within1e5(manifest, index):
    """Alone at its own length, and in batches cut at every length from the longest real text up to the context
    length, each caption's embedding equals PyTorch's full-length golden within 1e-5 (real tokens' features too)."""
    ids, mask = arr(index, "input_ids"), arr(index, "attention_mask")
    golden_emb, golden_feats = arr(index, "text_embeds"), arr(index, "token_features")
    s = session(PACK / manifest["text"]["encoder"]["file"])
    counts = mask.sum(axis=1)
    for i, n in enumerate(counts):
        emb, feats = s.run(None, {"input_ids": ids[i:i + 1, :n], "attention_mask": mask[i:i + 1, :n]})
        assert np.abs(emb[0] - golden_emb[i]).max() <= 1e-5, i
        assert np.abs(feats[0] - golden_feats[i, :n]).max() <= 1e-5, i
    short = np.argsort(counts)[: len(counts) // 2]  # the shorter half, padded to its own longest text
    for length in range(int(counts[short].max()), ids.shape[1] + 1):
        emb, _ = s.run(None, {"input_ids": ids[short, :length], "attention_mask": mask[short, :length]})
        assert np.abs(emb - golden_emb[short]).max() <= 1e-5, length


def test_fusionOnnx_matchesPytorchGolden_within1e4(manifest, index):
    tokens, patches = arr(index, "token_features"), arr(index, "patch_features")
    mask = arr(index, "attention_mask")
    n_img, n_txt = len(patches), len(tokens)
    ii, tt = np.repeat(np.arange(n_img), n_txt), np.tile(np.arange(n_txt), n_img)
    _, prob = session(PACK / manifest["fusion"]["file"]).run(
        None, {"token_features": tokens[tt], "attention_mask": mask[tt], "patch_features": patches[ii]})
    assert np.abs(prob.reshape(n_img, n_txt) - arr(index, "match_probability")).max() <= 1e-4


def test_goldenLogits_areScaledCosinesAndTheirSoftmax(manifest, index):
    img, txt = arr(index, "image_embeds"), arr(index, "text_embeds")
    logits = manifest["logit_scale"] * img @ txt.T
    assert np.abs(logits - arr(index, "logits_per_image")).max() <= 1e-3
    assert np.array_equal(arr(index, "logits_per_text"), arr(index, "logits_per_image").T)
    sm = np.exp(logits - logits.max(1, keepdims=True))
    sm /= sm.sum(1, keepdims=True)
    assert np.abs(sm - arr(index, "softmax_per_image")).max() <= 1e-4


def _cross_attention_numpy(w, query, kv, heads, mask=None):
    B, Nq, C = query.shape
    D = C // heads

    def lin(x, name):
        return x @ w[f"{name}.weight"].T + w[f"{name}.bias"]

    q = lin(query, "q_proj").reshape(B, Nq, heads, D).transpose(0, 2, 1, 3).astype(np.float64)
    k = lin(kv, "k_proj").reshape(B, -1, heads, D).transpose(0, 2, 1, 3).astype(np.float64)
    v = lin(kv, "v_proj").reshape(B, -1, heads, D).transpose(0, 2, 1, 3).astype(np.float64)
    scores = q @ k.transpose(0, 1, 3, 2) * D**-0.5
    if mask is not None:
        scores = np.where(mask[:, None] == 0, -1e9, scores)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    attn = scores / scores.sum(-1, keepdims=True)
    out = (attn @ v).transpose(0, 2, 1, 3).reshape(B, Nq, C)
    return lin(out, "out_proj")


def test_crossAttentionGolden_agreesWithIndependentNumpy_within1e5Relative(index):
    ca = index["cross_attention"]
    f = {k: np.load(REF / v) for k, v in ca["files"].items()}
    w = {k: v for k, v in f.items() if "proj" in k}
    mask = f["mask"]
    assert (mask.sum(-1) == 0).any(), "a fully masked row must be among the goldens"
    for out_key, m in (("output_unmasked", None), ("output_masked", mask)):
        ours = _cross_attention_numpy(w, f["query"], f["key_value"], ca["heads"], m)
        ref = f[out_key]
        assert np.abs(ours - ref).max() <= 1e-5 * max(1.0, np.abs(ref).max())


@pytest.fixture(scope="module")
def quality_fp32():
    return evaluate.evaluate(PACK, int8=False, n=1000)


@pytest.fixture(scope="module")
def quality_int8():
    return evaluate.evaluate(PACK, int8=True, n=1000)


def test_quality_zeroShotTop1_atLeast97(quality_fp32):
    assert quality_fp32["zero_shot_top1"] >= 0.97, quality_fp32


def test_quality_textToImageRecall_atLeast95At1And995At5(quality_fp32):
    assert quality_fp32["recall@1"] >= 0.95, quality_fp32
    assert quality_fp32["recall@5"] >= 0.995, quality_fp32


def test_quality_matchPrefersTrueCaption_atLeast95(quality_fp32):
    assert quality_fp32["match_true_over_swapped"] >= 0.95, quality_fp32


def test_quality_int8LosesAtMostOnePointOfZeroShot(quality_fp32, quality_int8):
    assert quality_int8["zero_shot_top1"] >= quality_fp32["zero_shot_top1"] - 0.01, (quality_fp32, quality_int8)
