"""Exports a trained checkpoint into a model pack: ONNX encoders (fp32 and int8), fusion weights and ONNX,
tokenizer.json and the model.json manifest.

Usage: python -m mmshapes.export --checkpoint .work/checkpoint.pt --pack shapes-clip
"""

from __future__ import annotations

import argparse
import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import torch
from safetensors.torch import save_file

from . import int8, tokenizer
from .model import Config, ShapesClip
from .train import MEAN, STD

OPSET = 17
NAME = "shapes-clip"
VERSION = "1.0.0"


class _Text(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids, attention_mask)


class _Fusion(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, token_features, attention_mask, patch_features):
        logit = self.m(token_features, attention_mask, patch_features)
        return logit, torch.sigmoid(logit)


def text_manifest(L: int, W: int, E: int) -> dict:
    """The manifest's text section for an encoder exported by export_text_encoder: any sequence length 1..L."""
    return {
        "tokenizer": "tokenizer.json",
        "context_length": L,
        "pad_id": tokenizer.PAD_ID,
        "dynamic_sequence": True,
        "max_sequence_length": L,
        "encoder": {
            "file": "text_encoder.onnx",
            "int8_file": "text_encoder.int8.onnx",
            "inputs": [_spec("input_ids", "int64", [-1, -1]), _spec("attention_mask", "int64", [-1, -1])],
            "outputs": [_spec("text_embeds", "float32", [-1, E]), _spec("token_features", "float32", [-1, -1, W])],
        },
    }


def export_text_encoder(text, L: int, W: int, E: int, pack: pathlib.Path) -> dict:
    """Exports the text encoder (fp32 and int8) with dynamic batch and sequence axes, checks that a batch
    padded only to its longest text gives the embeddings of the full-length run, and returns its manifest
    section. The model pads nothing it attends to (padded keys get -1e9) and pools at the last real
    token, so the real positions do not depend on how much padding follows them."""
    ids = torch.ones(2, L, dtype=torch.long)
    mask = torch.ones(2, L, dtype=torch.long)
    seq = {0: "batch", 1: "sequence"}
    export_onnx(_Text(text), (ids, mask), pack / "text_encoder.onnx", ["input_ids", "attention_mask"],
                ["text_embeds", "token_features"],
                {"input_ids": seq, "attention_mask": seq, "text_embeds": {0: "batch"}, "token_features": seq})
    quantize(pack / "text_encoder.onnx", pack / "text_encoder.int8.onnx")
    diffs = dynamic_sequence_diffs(pack, L)
    print(json.dumps({"dynamic_sequence_max_abs_diff": diffs}, indent=2))
    assert max(diffs.values()) <= 1e-5, diffs
    return text_manifest(L, W, E)


def dynamic_sequence_diffs(pack: pathlib.Path, L: int) -> dict:
    """ONNX Runtime at the longest real length of a batch (and at every length in between) against the same
    texts padded to L: largest absolute differences of the embeddings and the real tokens' features."""
    tok = tokenizer.build(L)
    texts = ["a red circle", "a large blue square on the left", "a small green triangle at the top of it", ""]
    ids, mask, _ = tokenizer.encode(tok, texts)
    real = int(mask.sum(axis=1).max())
    s = ort.InferenceSession(str(pack / "text_encoder.onnx"), providers=["CPUExecutionProvider"])
    full_emb, full_feat = s.run(None, {"input_ids": ids, "attention_mask": mask})
    emb_diff = feat_diff = 0.0
    for length in range(real, L + 1):
        emb, feat = s.run(None, {"input_ids": ids[:, :length], "attention_mask": mask[:, :length]})
        emb_diff = max(emb_diff, float(np.abs(emb - full_emb).max()))
        keep = mask[:, :length, None].astype(bool)
        feat_diff = max(feat_diff, float(np.abs(np.where(keep, feat - full_feat[:, :length], 0)).max()))
    for i, count in enumerate(mask.sum(axis=1)):  # each text alone, at exactly its own length
        emb, _ = s.run(None, {"input_ids": ids[i:i + 1, :count], "attention_mask": mask[i:i + 1, :count]})
        emb_diff = max(emb_diff, float(np.abs(emb - full_emb[i:i + 1]).max()))
    return {"text_embeds": emb_diff, "token_features_real": feat_diff}


def load(checkpoint: str) -> ShapesClip:
    ck = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = ShapesClip(Config(**ck["config"]))
    model.load_state_dict(ck["state_dict"])
    return model.eval()


def _spec(name, dtype, shape):
    return {"name": name, "dtype": dtype, "shape": list(shape)}


def export_onnx(module, args, path, input_names, output_names, dynamic):
    torch.onnx.export(
        module, args, str(path), input_names=input_names, output_names=output_names,
        dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True, dynamo=False,
    )
    onnx.checker.check_model(onnx.load(str(path)))


def quantize(src: pathlib.Path, dst: pathlib.Path) -> None:
    """Dynamic INT8 quantisation of the linear layers (MatMul/Gemm weights), activations quantised at run time."""
    int8.quantize(src, dst)


def check_int8(pack: pathlib.Path) -> None:
    """The INT8 gate (mmshapes.int8) on held-out data: exits non-zero, naming the miss, when it fails."""
    from .evaluate import int8_gate_reports

    reports = int8_gate_reports(pack)
    print(json.dumps({"int8_gate": reports}, indent=2))
    int8.check(reports)


def max_abs_diff_vs_torch(model: ShapesClip, pack: pathlib.Path, tok) -> dict:
    """Runs both runtimes on the same inputs; returns the largest absolute differences."""
    texts = ["a large red circle on the left", "a photo of a blue square", "a green star and a white triangle"]
    ids, mask, _ = tokenizer.encode(tok, texts)
    rng = np.random.default_rng(0)
    pixels = ((rng.random((3, 3, 64, 64), dtype=np.float32) - MEAN[None, :, None, None]) / STD[None, :, None, None])
    with torch.no_grad():
        te, tf = model.text(torch.from_numpy(ids), torch.from_numpy(mask))
        ie, pf = model.vision(torch.from_numpy(pixels))
        fl = model.fusion(tf, torch.from_numpy(mask), pf)
    s_text = ort.InferenceSession(str(pack / "text_encoder.onnx"), providers=["CPUExecutionProvider"])
    s_vis = ort.InferenceSession(str(pack / "vision_encoder.onnx"), providers=["CPUExecutionProvider"])
    s_fus = ort.InferenceSession(str(pack / "fusion.onnx"), providers=["CPUExecutionProvider"])
    ote, otf = s_text.run(None, {"input_ids": ids, "attention_mask": mask})
    oie, opf = s_vis.run(None, {"pixel_values": pixels})
    ofl, _ = s_fus.run(None, {"token_features": tf.numpy(), "attention_mask": mask, "patch_features": pf.numpy()})
    return {
        "text_embeds": float(np.abs(ote - te.numpy()).max()),
        "token_features": float(np.abs(otf - tf.numpy()).max()),
        "image_embeds": float(np.abs(oie - ie.numpy()).max()),
        "patch_features": float(np.abs(opf - pf.numpy()).max()),
        "match_logit": float(np.abs(ofl - fl.numpy()).max()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--pack", default=NAME)
    args = ap.parse_args()
    torch.manual_seed(0)
    model = load(args.checkpoint)
    cfg = model.cfg
    pack = pathlib.Path(args.pack)
    pack.mkdir(parents=True, exist_ok=True)
    L, S, W, E = cfg.context_length, cfg.image_size, cfg.width, cfg.embed_dim
    P = 1 + (S // 8) ** 2

    tok = tokenizer.build(L)
    tok.save(str(pack / "tokenizer.json"))

    mask = torch.ones(2, L, dtype=torch.long)
    text_section = export_text_encoder(model.text, L, W, E, pack)
    export_onnx(model.vision, (torch.zeros(2, 3, S, S),), pack / "vision_encoder.onnx", ["pixel_values"],
                ["image_embeds", "patch_features"],
                {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}, "patch_features": {0: "batch"}})
    export_onnx(_Fusion(model.fusion), (torch.zeros(2, L, W), mask, torch.zeros(2, P, W)), pack / "fusion.onnx",
                ["token_features", "attention_mask", "patch_features"], ["match_logit", "match_probability"],
                {"token_features": {0: "batch"}, "attention_mask": {0: "batch"}, "patch_features": {0: "batch"},
                 "match_logit": {0: "batch"}, "match_probability": {0: "batch"}})
    quantize(pack / "vision_encoder.onnx", pack / "vision_encoder.int8.onnx")

    fusion_tensors = {k: v.detach().contiguous() for k, v in model.fusion.state_dict().items()}
    save_file(fusion_tensors, str(pack / "fusion.safetensors"), metadata={"name": NAME, "version": VERSION})

    manifest = {
        "format_version": 1,
        "name": NAME,
        "version": VERSION,
        "embedding_dim": E,
        "logit_scale": round(float(model.logit_scale.exp().clamp(max=100)), 6),
        "text": text_section,
        "vision": {
            "image_size": S,
            "resize": {"shortest_edge": S, "interpolation": "bicubic", "antialias": True},
            "crop": {"mode": "center", "height": S, "width": S},
            "rescale_factor": 1 / 255,
            "mean": [float(x) for x in MEAN],
            "std": [float(x) for x in STD],
            "encoder": {
                "file": "vision_encoder.onnx",
                "int8_file": "vision_encoder.int8.onnx",
                "inputs": [_spec("pixel_values", "float32", [-1, 3, S, S])],
                "outputs": [_spec("image_embeds", "float32", [-1, E]), _spec("patch_features", "float32", [-1, P, W])],
            },
        },
        "fusion": {
            "weights": "fusion.safetensors",
            "file": "fusion.onnx",
            "dim": W,
            "heads": cfg.fusion_heads,
            "layer_norm_eps": 1e-5,
            "mask_fill": -1e9,
            "query": "token_features",
            "key_value": "patch_features",
            "inputs": [_spec("token_features", "float32", [-1, L, W]), _spec("attention_mask", "int64", [-1, L]),
                       _spec("patch_features", "float32", [-1, P, W])],
            "outputs": [_spec("match_logit", "float32", [-1]), _spec("match_probability", "float32", [-1])],
            "tensors": {k: {"dtype": "float32", "shape": list(v.shape)} for k, v in fusion_tensors.items()},
        },
    }
    (pack / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    diffs = max_abs_diff_vs_torch(model, pack, tok)
    print(json.dumps({"onnx_vs_torch_max_abs_diff": diffs}, indent=2))
    assert max(diffs.values()) <= 1e-4, diffs
    check_int8(pack)


if __name__ == "__main__":
    main()
