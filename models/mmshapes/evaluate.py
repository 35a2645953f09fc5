"""Held-out quality and speed of an exported pack, run with ONNX Runtime only (no torch).

Usage: python -m mmshapes.evaluate --pack shapes-clip [--int8] [--speed]
       python -m mmshapes.evaluate --pack shapes-clip --int8-gate   (exits 1 when the INT8 encoders miss the gate)
Held-out images come from another seed than training, drawn at random sizes so that the
preprocessing path (resize, crop) is part of what is measured.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from . import data, int8
from .preprocess import preprocess

HELDOUT_SEED = 2


class Pack:
    """The ONNX sessions and manifest of one pack, fp32 or int8."""

    def __init__(self, path, int8: bool = False, threads: int = 2):
        self.path = pathlib.Path(path)
        self.manifest = json.loads((self.path / "model.json").read_text())
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        key = "int8_file" if int8 else "file"

        def session(file):
            return ort.InferenceSession(str(self.path / file), opts, providers=["CPUExecutionProvider"])

        self.text = session(self.manifest["text"]["encoder"][key])
        self.vision = session(self.manifest["vision"]["encoder"][key])
        fusion = self.manifest.get("fusion")
        self.fusion = session(fusion["file"]) if fusion else None
        self.tokenizer = Tokenizer.from_file(str(self.path / self.manifest["text"]["tokenizer"]))
        self.logit_scale = float(self.manifest["logit_scale"])

    def tokenize(self, texts):
        encs = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encs], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
        return ids, mask

    def encode_text(self, texts, batch: int = 256):
        embeds, feats, masks = [], [], []
        for i in range(0, len(texts), batch):
            ids, mask = self.tokenize(texts[i : i + batch])
            e, f = self.text.run(None, {"input_ids": ids, "attention_mask": mask})
            embeds.append(e)
            feats.append(f)
            masks.append(mask)
        return np.concatenate(embeds), np.concatenate(feats), np.concatenate(masks)

    def encode_pixels(self, pixels, batch: int = 256):
        embeds, feats = [], []
        for i in range(0, len(pixels), batch):
            e, f = self.vision.run(None, {"pixel_values": pixels[i : i + batch]})
            embeds.append(e)
            feats.append(f)
        return np.concatenate(embeds), np.concatenate(feats)

    def match(self, token_features, mask, patch_features, batch: int = 256):
        out = []
        for i in range(0, len(mask), batch):
            _, p = self.fusion.run(
                None,
                {
                    "token_features": token_features[i : i + batch],
                    "attention_mask": mask[i : i + batch],
                    "patch_features": patch_features[i : i + batch],
                },
            )
            out.append(p)
        return np.concatenate(out)


def heldout_images(n: int, vision: dict, two_objects_p: float, seed: int = HELDOUT_SEED):
    """n held-out (pixels [n,3,S,S], scenes); each image drawn at a random size from 48 to 160 pixels."""
    pixels, scenes = [], []
    for i in range(n):
        size = int(np.random.default_rng([seed, i, 99]).integers(48, 161))
        img, scene = data.sample(seed, i, size, two_objects_p=two_objects_p)
        pixels.append(preprocess(img, vision))
        scenes.append(scene)
    return np.stack(pixels), scenes


def zero_shot_accuracy(pack: Pack, pixels, scenes) -> float:
    labels = data.zero_shot_labels()
    text_emb, _, _ = pack.encode_text([f"a photo of a {c} {s}" for c, s in labels])
    img_emb, _ = pack.encode_pixels(pixels)
    pred = (img_emb @ text_emb.T).argmax(1)
    truth = [labels.index((sc.objects[0].color, sc.objects[0].shape)) for sc in scenes]
    return float(np.mean(pred == np.array(truth)))


def retrieval_recall(pack: Pack, pixels, scenes, ks=(1, 5)) -> dict:
    """Text-to-image recall@k: one full-attribute caption per gallery image; a hit fits every named attribute."""
    captions = [data.full_caption(sc.objects[0]) for sc in scenes]
    text_emb, _, _ = pack.encode_text(captions)
    img_emb, _ = pack.encode_pixels(pixels)
    order = np.argsort(-(text_emb @ img_emb.T), axis=1)
    out = {}
    for k in ks:
        hits = 0
        for q, sc in enumerate(scenes):
            want = sc.objects[0]
            hits += any(
                (o := scenes[j].objects[0]).color == want.color
                and o.shape == want.shape
                and o.size == want.size
                and o.position == want.position
                for j in order[q, :k]
            )
        out[f"recall@{k}"] = hits / len(scenes)
    return out


def match_accuracy(pack: Pack, pixels, scenes, seed: int = HELDOUT_SEED) -> float:
    """How often the true caption scores above a caption with one named attribute swapped."""
    rng = np.random.default_rng([seed, 5])
    pairs = [data.hard_negative(sc, rng) for sc in scenes]
    _, patches = pack.encode_pixels(pixels)
    _, pos_feat, pos_mask = pack.encode_text([p for p, _ in pairs])
    _, neg_feat, neg_mask = pack.encode_text([n for _, n in pairs])
    p_pos = pack.match(pos_feat, pos_mask, patches)
    p_neg = pack.match(neg_feat, neg_mask, patches)
    return float(np.mean(p_pos > p_neg))


def throughput(pack: Pack, pixels, texts, batch: int = 32, seconds: float = 3.0) -> dict:
    def rate(fn, n):
        fn()  # warm up
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            fn()
            count += n
        return count / (time.perf_counter() - start)

    ids, mask = pack.tokenize(texts[:batch])
    px = pixels[:batch]
    return {
        "images_per_s": rate(lambda: pack.vision.run(None, {"pixel_values": px}), len(px)),
        "texts_per_s": rate(lambda: pack.text.run(None, {"input_ids": ids, "attention_mask": mask}), len(ids)),
    }


def evaluate(pack_dir, int8: bool = False, n: int = 1000, speed: bool = False) -> dict:
    pack = Pack(pack_dir, int8=int8)
    vision = pack.manifest["vision"]
    single_px, single_sc = heldout_images(n, vision, two_objects_p=0.0)
    mixed_px, mixed_sc = heldout_images(n, vision, two_objects_p=0.4, seed=HELDOUT_SEED + 100)
    result = {"zero_shot_top1": zero_shot_accuracy(pack, single_px, single_sc)}
    result.update(retrieval_recall(pack, single_px, single_sc))
    if pack.fusion is not None:
        result["match_true_over_swapped"] = match_accuracy(pack, mixed_px, mixed_sc)
    if speed:
        result.update(throughput(pack, single_px, [data.full_caption(s.objects[0]) for s in single_sc]))
    return result


def int8_gate_reports(pack_dir, n: int = 1000) -> list[dict]:
    """The INT8 gate's measures for a trained pack (see mmshapes.int8): cosine of INT8 to FP32 text embeddings
    (the label prompts and one caption per held-out image) and image embeddings (the held-out images), and
    zero-shot agreement of the two on those images."""
    fp32, q8 = Pack(pack_dir), Pack(pack_dir, int8=True)
    pixels, scenes = heldout_images(n, fp32.manifest["vision"], two_objects_p=0.0)
    labels = data.zero_shot_labels()
    prompts = [f"a photo of a {c} {s}" for c, s in labels]
    texts = prompts + [data.full_caption(sc.objects[0]) for sc in scenes]
    text32, text8 = fp32.encode_text(texts)[0], q8.encode_text(texts)[0]
    img32, img8 = fp32.encode_pixels(pixels)[0], q8.encode_pixels(pixels)[0]
    truth = np.array([labels.index((sc.objects[0].color, sc.objects[0].shape)) for sc in scenes])
    k = len(prompts)
    return [int8.gate_report("text_encoder", text32, text8), int8.gate_report("vision_encoder", img32, img8),
            int8.zero_shot_agreement(img32, text32[:k], img8, text8[:k], truth)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default="shapes-clip")
    ap.add_argument("--int8", action="store_true")
    ap.add_argument("--int8-gate", action="store_true", help="print the INT8 gate's measures; exit 1 if missed")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--speed", action="store_true")
    args = ap.parse_args()
    if args.int8_gate:
        reports = int8_gate_reports(args.pack, args.n)
        print(json.dumps(reports, indent=2))
        int8.check(reports)
        return
    print(json.dumps(evaluate(args.pack, args.int8, args.n, args.speed), indent=2))


if __name__ == "__main__":
    main()
