"""CLIP compatibility kit: a real CLIP ViT-B/32 export in the mmserve pack layout, and tokenizer parity data.

Usage:
  python -m mmshapes.clip_kit tokenizer --out clip-compat          # committed: tokenizer.json + reference ids
  python -m mmshapes.clip_kit export --cache ~/.cache/mmserve/clip-vit-b-32   # the pack, outside git
      [--fusions vision|text|both|none]   # which encoders get ONNX Runtime's graph fusions (default: FUSIONS)
(from models/, or from anywhere as models/.venv/bin/python -m mmshapes.clip_kit with models/ on PYTHONPATH)

The architecture is built by open_clip from its ViT-B-32 config with random weights (nothing is downloaded);
the tokenizer.json is built from the BPE vocabulary that the open-clip-torch package ships, in the form of
Hugging Face's CLIP tokenizer (NFC, whitespace runs to one space, lower case, CLIP's split regex, byte-level
BPE with </w> word ends, <|startoftext|> ... <|endoftext|>), padded with id 0 to 77 tokens as open_clip does.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import pathlib

import numpy as np

CONTEXT = 77

# Encoders that get ONNX Runtime's transformer fusions at export, chosen from measurements (docs/benchmarks.md,
# "CLIP ViT-B/32: INT8 and graph fusions"): only where they made the encoder cheaper per item.
FUSIONS = ("text", "vision")
_TOWERS = {  # encoder -> (file stem, optimizer model type, heads, hidden size) of open_clip's ViT-B-32
    "text": ("text_encoder", "clip", 8, 512),
    "vision": ("vision_encoder", "clip", 12, 768),
}
SOT, EOT = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode() -> dict:
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def build_tokenizer():
    from open_clip.tokenizer import default_bpe
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import BPE

    merges = gzip.open(default_bpe()).read().decode("utf-8").split("\n")[1 : 49152 - 256 - 2 + 1]
    merges = [tuple(m.split()) for m in merges]
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + "</w>" for v in vocab]
    vocab += ["".join(m) for m in merges]
    vocab += [SOT, EOT]
    tok = Tokenizer(
        BPE(
            vocab={v: i for i, v in enumerate(vocab)},
            merges=merges,
            continuing_subword_prefix="",
            end_of_word_suffix="</w>",
            fuse_unk=False,
            unk_token=EOT,
        )
    )
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(
                Regex(r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""),
                behavior="removed",
                invert=True,
            ),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.TemplateProcessing(
        single=f"{SOT} $A {EOT}", special_tokens=[(SOT, len(vocab) - 2), (EOT, len(vocab) - 1)]
    )
    tok.add_special_tokens([SOT, EOT])
    tok.enable_truncation(max_length=CONTEXT)
    tok.enable_padding(length=CONTEXT, pad_id=0, pad_token="!")
    return tok


def clip_clean(text: str) -> str:
    """open_clip's text cleaning (ftfy, HTML unescape twice, whitespace runs), which tokenizer.json cannot express."""
    import ftfy

    text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    return " ".join(text.split()).strip()


def corpus(n: int = 1200) -> list[str]:
    """A deterministic corpus of awkward strings: unicode, emoji, HTML entities, punctuation, whitespace, long texts."""
    rng = np.random.default_rng(2026)
    words = ["a", "photo", "of", "the", "cat", "dog", "red", "car", "on", "street", "Diagram", "showing", "CLIP",
             "model's", "don't", "it's", "we're", "they've", "I'm", "you'll", "he'd", "naïve", "café", "Zürich",
             "straße", "東京", "タワー", "北京", "서울", "Москва", "القاهرة", "नमस्ते", "ελληνικά", "🙂", "🚀", "👩‍💻",
             "🇫🇷", "❤️", "👍🏽", "&amp;", "&lt;b&gt;", "&quot;quoted&quot;", "&#39;", "&nbsp;", "&eacute;", "&amp;amp;",
             "1234", "3.14159", "42nd", "x86_64", "e-mail", "well-known", "U.S.A.", "http://example.com/a?b=c",
             "#hashtag", "@user", "(parens)", "[brackets]", "{braces}", "...", "!!!", "???", "--", "—", "–", "“curly”",
             "‘single’", "½", "™", "©", "°C", "µm", "ﬁ", "Ⅻ", "ＡＢＣ", "ＡＢＣ１２３", "\u00e9", "e\u0301", "mañana"]
    spaces = [" ", "  ", "\t", "\n", " \n\t ", "\u00a0", "\u3000", "\u2003", "\r\n"]
    out = ["", " ", "a", "A", "   leading and trailing   ", "UPPER CASE TEXT", "MiXeD CaSe", "no-space,punctuation;here",
           "a photo of a cat", "a photo of a dog", "an image of a red car", "<start_of_text>", "<|endoftext|>",
           "Ã©tÃ© mojibake", "â€œquotesâ€\x9d", "tab\tseparated\tvalues", "line\nbreaks\nhere"]
    while len(out) < n:
        k = int(rng.integers(1, 14)) if rng.random() < 0.85 else int(rng.integers(60, 140))
        parts = []
        for _ in range(k):
            parts.append(words[int(rng.integers(len(words)))])
            parts.append(spaces[int(rng.integers(len(spaces)))] if rng.random() < 0.3 else " ")
        out.append("".join(parts))
    return out


def _until_eot(row, eot: int) -> list[int]:
    """The ids through the end-of-text token (open_clip pads with 0, which is also the id of '!')."""
    row = [int(x) for x in row]
    return row[: row.index(eot, 1) + 1]


def write_tokenizer_references(out: pathlib.Path) -> dict:
    import open_clip

    out.mkdir(parents=True, exist_ok=True)
    tok = build_tokenizer()
    tok.save(str(out / "tokenizer.json"))
    ref = open_clip.get_tokenizer("ViT-B-32")
    texts = corpus()
    ids = ref(texts).numpy().astype(np.int64)
    cleaned = [clip_clean(t) for t in texts]
    hf_raw = np.array([e.ids for e in tok.encode_batch(texts)], dtype=np.int64)
    hf_clean = np.array([e.ids for e in tok.encode_batch(cleaned)], dtype=np.int64)
    stats = {
        "strings": len(texts),
        "hf_tokenizer_on_raw_text_equal": int((hf_raw == ids).all(1).sum()),
        "hf_tokenizer_on_cleaned_text_equal": int((hf_clean == ids).all(1).sum()),
        "over_long": int(sum(1 for row in ids if row[-1] == ref.eot_token_id and row[-2] != 0)),
    }
    (out / "corpus.json").write_text(
        json.dumps(
            {
                "produced_by": f"open_clip {open_clip.__version__} tokenizer for ViT-B-32 (context {CONTEXT}, pad 0)",
                "stats": stats,
                "items": [{"text": t, "cleaned": c, "ids": _until_eot(row, ref.eot_token_id)}
                          for t, c, row in zip(texts, cleaned, ids)],
            },
            ensure_ascii=False,
            indent=0,
        )
        + "\n"
    )
    return stats


def _attention(attn, x, mask):
    """nn.MultiheadAttention(x, x, x, attn_mask=mask) for batch-first x, with shapes taken from x at run time."""
    import torch.nn.functional as F

    B, N, C = x.shape
    H = attn.num_heads
    q, k, v = F.linear(x, attn.in_proj_weight, attn.in_proj_bias).reshape(B, N, 3, H, C // H).permute(2, 0, 3, 1, 4)
    scores = (q @ k.transpose(-2, -1)) * (C // H) ** -0.5 + mask
    out = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, N, C)
    return F.linear(out, attn.out_proj.weight, attn.out_proj.bias)


def _attention_separate_qkv(attn, x):
    """The same attention written as Hugging Face's CLIPAttention is (q, k, v projections apart, q scaled before
    the product, heads folded into the batch for two bmm), the subgraph onnxruntime.transformers' CLIP attention
    fusion recognises; open_clip's packed in_proj is split into its three parts, so the weights are the same."""
    B, N, C = x.shape
    H = attn.num_heads
    D = C // H
    wq, wk, wv = attn.in_proj_weight.chunk(3)
    bq, bk, bv = attn.in_proj_bias.chunk(3)

    def heads(t):
        return t.view(B, N, H, D).transpose(1, 2).reshape(B * H, N, D)

    import torch.nn.functional as F

    q = heads(F.linear(x, wq, bq) * D ** -0.5)
    k = heads(F.linear(x, wk, bk))
    v = heads(F.linear(x, wv, bv))
    w = (q @ k.transpose(1, 2)).softmax(dim=-1)
    out = (w @ v).view(B, H, N, D).transpose(1, 2).reshape(B, N, C)
    return F.linear(out, attn.out_proj.weight, attn.out_proj.bias)


def export_pack(cache: pathlib.Path, fusions=FUSIONS) -> None:
    """Builds ViT-B-32 with random weights and writes text/vision ONNX + model.json in the mmserve layout."""
    import open_clip
    import torch
    import torch.nn.functional as F

    cache.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms("ViT-B-32", pretrained=None)
    model.eval()
    model.visual.output_tokens = True
    model.transformer.output_tokens = getattr(model.transformer, "output_tokens", False)
    build_tokenizer().save(str(cache / "tokenizer.json"))

    class Vision(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip  # registered, so its weights export as initializers

        def forward(self, pixel_values):
            # open_clip's VisionTransformer.forward for ViT-B-32 (class-token pooling, ln_post before the pool,
            # no layer scale) with each block's attention written out, so the graph fuses (see
            # _attention_separate_qkv); the export's parity check below compares it with open_clip's own forward
            v = self.clip.visual
            x = v.conv1(pixel_values)
            x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
            cls = v.class_embedding.to(x.dtype).reshape(1, 1, -1).expand(x.shape[0], -1, -1)
            x = torch.cat([cls, x], dim=1) + v.positional_embedding.to(x.dtype)
            x = v.ln_pre(x)
            for blk in v.transformer.resblocks:
                x = x + blk.ls_1(_attention_separate_qkv(blk.attn, blk.ln_1(x)))
                x = x + blk.ls_2(blk.mlp(blk.ln_2(x)))
            x = v.ln_post(x)
            return F.normalize(x[:, 0] @ v.proj, dim=-1), x[:, 1:]

    class Text(torch.nn.Module):
        def __init__(self, clip):
            super().__init__()
            self.clip = clip

        def forward(self, input_ids):
            # open_clip's encode_text with the positions and the causal mask cut to the batch's length, so the
            # export takes any length up to 77; causal attention and pooling at the end-of-text token (the
            # highest id) make the embedding independent of the padding after it
            # (attention written out: nn.MultiheadAttention's traced reshapes keep the length it was traced at)
            c = self.clip
            n = input_ids.shape[1]
            x = c.token_embedding(input_ids) + c.positional_embedding[:n]
            mask = c.attn_mask[:n, :n]
            for blk in c.transformer.resblocks:
                x = x + blk.ls_1(_attention(blk.attn, blk.ln_1(x), mask))
                x = x + blk.ls_2(blk.mlp(blk.ln_2(x)))
            x = c.ln_final(x)
            pooled = x[torch.arange(x.shape[0]), input_ids.argmax(dim=-1)]
            return F.normalize(pooled @ c.text_projection, dim=-1)

    dyn = {0: "batch"}
    torch.onnx.export(Vision(model), (torch.zeros(1, 3, 224, 224),), str(cache / "vision_encoder.onnx"),
                      input_names=["pixel_values"], output_names=["image_embeds", "patch_features"],
                      dynamic_axes={"pixel_values": dyn, "image_embeds": dyn, "patch_features": dyn},
                      opset_version=17, dynamo=False)
    torch.onnx.export(Text(model), (torch.zeros(2, CONTEXT, dtype=torch.long),), str(cache / "text_encoder.onnx"),
                      input_names=["input_ids"], output_names=["text_embeds"],
                      dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "text_embeds": dyn},
                      opset_version=17, dynamo=False)
    with torch.no_grad():
        grid = model.visual.grid_size[0] * model.visual.grid_size[1]
        width = model.visual.transformer.width
    manifest = {
        "format_version": 1,
        "name": "clip-vit-b-32-random",
        "version": f"open_clip-{open_clip.__version__}-random-init",
        "embedding_dim": int(model.text_projection.shape[1]),
        "logit_scale": float(model.logit_scale.exp()),
        "text": {
            "tokenizer": "tokenizer.json",
            "context_length": CONTEXT,
            "pad_id": 0,
            "cleaning": "clip",
            "dynamic_sequence": True,
            "max_sequence_length": CONTEXT,
            "encoder": {
                "file": "text_encoder.onnx",
                "inputs": [{"name": "input_ids", "dtype": "int64", "shape": [-1, -1]}],
                "outputs": [{"name": "text_embeds", "dtype": "float32", "shape": [-1, 512]}],
            },
        },
        "vision": {
            "image_size": 224,
            "resize": {"shortest_edge": 224, "interpolation": "bicubic", "antialias": True},
            "crop": {"mode": "center", "height": 224, "width": 224},
            "rescale_factor": 1 / 255,
            "mean": list(open_clip.OPENAI_DATASET_MEAN),
            "std": list(open_clip.OPENAI_DATASET_STD),
            "encoder": {
                "file": "vision_encoder.onnx",
                "inputs": [{"name": "pixel_values", "dtype": "float32", "shape": [-1, 3, 224, 224]}],
                "outputs": [{"name": "image_embeds", "dtype": "float32", "shape": [-1, 512]},
                            {"name": "patch_features", "dtype": "float32", "shape": [-1, grid, width]}],
            },
        },
    }
    (cache / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    # Parity of the export: ONNX Runtime against PyTorch on one random image and two texts.
    import onnxruntime as ort

    import open_clip as oc

    px = torch.randn(2, 3, 224, 224)
    ids = oc.get_tokenizer("ViT-B-32")(["a photo of a cat", "a diagram"])
    with torch.no_grad():
        ref_pooled, ref_tokens = model.visual(px)
        ref_img = F.normalize(ref_pooled, dim=-1).numpy()
        ref_txt = F.normalize(model.encode_text(ids), dim=-1).numpy()
    vis = ort.InferenceSession(str(cache / "vision_encoder.onnx"), providers=["CPUExecutionProvider"])
    txt = ort.InferenceSession(str(cache / "text_encoder.onnx"), providers=["CPUExecutionProvider"])
    out_img, out_tokens = vis.run(None, {"pixel_values": px.numpy()})
    d_img = max(float(np.abs(out_img - ref_img).max()), float(np.abs(out_tokens - ref_tokens.numpy()).max()))
    d_txt = float(np.abs(txt.run(None, {"input_ids": ids.numpy()})[0] - ref_txt).max())
    # padded only to the longest text (and every length up to 77): the full-length embeddings within 1e-5
    longest = int((ids != 0).sum(dim=1).max())
    d_dyn = max(float(np.abs(txt.run(None, {"input_ids": ids[:, :n].numpy()})[0] - ref_txt).max())
                for n in range(longest, CONTEXT + 1, 4))
    print(json.dumps({"pack": str(cache), "max_abs_diff_image": d_img, "max_abs_diff_text": d_txt,
                      "max_abs_diff_text_dynamic_sequence": d_dyn}))
    assert max(d_img, d_txt) <= 1e-4
    assert d_dyn <= 1e-5, d_dyn
    del vis, txt
    finish_pack(cache, fusions)


def gate_texts() -> list[str]:
    """The fixed texts of the fusion parity check and the INT8 gate: captions and the kit's awkward strings."""
    captions = ["a photo of a cat", "a photo of a dog sitting on a sofa next to a window", "a diagram",
                "a red car on the street", "a large blue square on the left", "two people riding bicycles"]
    return captions + [t for t in corpus() if t.strip()][:122]


def gate_images(vision: dict) -> np.ndarray:
    """The fixed images of the fusion parity check and the INT8 gate, preprocessed: 48 generated shapes scenes
    at 224 pixels and the repository's photos and reference images (sizes, modes, EXIF)."""
    from PIL import Image

    from . import data
    from .preprocess import preprocess

    root = pathlib.Path(__file__).resolve().parents[2]
    files = sorted((root / "bench" / "data").glob("*.jpg"))
    files += sorted((root / "models" / "shapes-clip" / "reference" / "images").iterdir())
    images = [data.sample(7, i, 224)[0] for i in range(48)] + [Image.open(f) for f in files]
    return np.stack([preprocess(img, vision) for img in images])


def text_batches(cache: pathlib.Path, texts: list[str], batch: int = 16) -> list[dict]:
    """input_ids feeds of `batch` texts each, padded to the longest text of the batch (as text-encoder-svc does)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(cache / "tokenizer.json"))
    out = []
    for i in range(0, len(texts), batch):
        ids = np.array([e.ids for e in tok.encode_batch(texts[i:i + batch])], dtype=np.int64)
        longest = int(ids.argmax(axis=1).max()) + 1  # the end-of-text token has the highest id
        out.append({"input_ids": ids[:, :longest]})
    return out


def finish_pack(cache: pathlib.Path, fusions=FUSIONS) -> None:
    """After the FP32 export: ONNX Runtime's fusions on the chosen encoders (each checked against its unfused
    file), the INT8 encoders (dynamic quantisation of the served FP32 file) and their accuracy gate; the manifest
    names the int8 files only when the gate passed, and the command fails when it does not."""
    from . import fuse, int8

    manifest = json.loads((cache / "model.json").read_text())
    feeds = {"text": text_batches(cache, gate_texts()),
             "vision": [{"pixel_values": b} for b in np.array_split(gate_images(manifest["vision"]), 4)]}
    reports = []
    for tower, (stem, model_type, heads, hidden) in _TOWERS.items():
        fp32 = cache / f"{stem}.onnx"
        if tower in fusions:
            fused = cache / f"{stem}.fused.onnx"
            ops = fuse.fuse(fp32, fused, model_type, heads, hidden)
            report = fuse.parity(stem, fp32, fused, feeds[tower])
            fused.replace(fp32)
            print(json.dumps({**report, "fused_operators": ops}))
        int8.quantize(fp32, cache / f"{stem}.int8.onnx", reduced_range=True)
        emb32 = fuse.run_batches(fuse.session(fp32), feeds[tower])
        emb8 = fuse.run_batches(fuse.session(cache / f"{stem}.int8.onnx"), feeds[tower])
        reports.append(int8.gate_report(stem, emb32, emb8))
    print(json.dumps({"int8_gate": reports, "fusions": sorted(fusions)}))
    int8.check(reports)
    manifest["text"]["encoder"]["int8_file"] = "text_encoder.int8.onnx"
    manifest["vision"]["encoder"]["int8_file"] = "vision_encoder.int8.onnx"
    manifest["optimisations"] = {"fusions": sorted(fusions), "int8": "dynamic, MatMul/Gemm/Attention weights per channel, 7-bit"}
    (cache / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tokenizer")
    t.add_argument("--out", default="clip-compat")
    e = sub.add_parser("export")
    e.add_argument("--cache", default=str(pathlib.Path.home() / ".cache" / "mmserve" / "clip-vit-b-32"))
    e.add_argument("--fusions", choices=["vision", "text", "both", "none"], default=None,
                   help="encoders that get ONNX Runtime's graph fusions (default: " + ",".join(FUSIONS) + ")")
    f = sub.add_parser("finish", help="fusions, INT8 encoders and gate on an exported FP32 pack (no torch)")
    f.add_argument("--cache", required=True)
    f.add_argument("--fusions", choices=["vision", "text", "both", "none"], default=None)
    args = ap.parse_args()
    fusions = FUSIONS if getattr(args, "fusions", None) is None else {
        "both": ("text", "vision"), "none": ()}.get(args.fusions, (args.fusions,))
    if args.cmd == "tokenizer":
        print(json.dumps(write_tokenizer_references(pathlib.Path(args.out))))
    elif args.cmd == "finish":
        finish_pack(pathlib.Path(args.cache), fusions)
    else:
        export_pack(pathlib.Path(args.cache), fusions)


if __name__ == "__main__":
    main()
