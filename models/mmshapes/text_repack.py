"""Re-exports a pack's text encoder with a dynamic sequence axis from the weights in the pack's own ONNX file.

Usage: python -m mmshapes.text_repack --pack shapes-clip

For packs exported before the text encoder took any sequence length (format 1 with a fixed [B, L] input), when
the training checkpoint is not at hand: the text weights are read back from text_encoder.onnx (its initializers;
the MatMul weights are the transposed Linear weights, in the order the graph uses them), loaded into the same
TextEncoder, checked to reproduce the old file's outputs, and exported again as mmshapes.export does (fp32 and
int8, with the dynamic-sequence parity check). The manifest's text section is rewritten; nothing else changes.
"""

from __future__ import annotations

import argparse
import json
import pathlib

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

from . import tokenizer
from .export import check_int8, export_text_encoder
from .model import Config, TextEncoder

# The Linear layers whose weights the exporter folded into MatMul initializers, in graph order per block.
_BLOCK_LINEARS = ("attn.qkv", "attn.proj", "mlp.0", "mlp.2")


def recover_state_dict(onnx_path: pathlib.Path) -> tuple[dict, int]:
    """The TextEncoder state dict held by an exported text encoder, and its number of blocks."""
    graph = onnx.load(str(onnx_path)).graph
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    state = {k[len("m."):]: v for k, v in inits.items() if k.startswith("m.")}
    matmuls = [n.input[1] for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits
               and not n.input[1].startswith("m.")]
    layers = (len(matmuls) - 1) // len(_BLOCK_LINEARS)
    if len(matmuls) != layers * len(_BLOCK_LINEARS) + 1:
        raise SystemExit(f"{onnx_path}: {len(matmuls)} MatMul weights do not fit blocks of {_BLOCK_LINEARS} + proj")
    names = [f"blocks.{b}.{lin}.weight" for b in range(layers) for lin in _BLOCK_LINEARS] + ["proj.weight"]
    for name, weight in zip(names, matmuls):
        state[name] = inits[weight].t().contiguous()
    return state, layers


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default="shapes-clip")
    args = ap.parse_args()
    pack = pathlib.Path(args.pack)
    manifest = json.loads((pack / "model.json").read_text())
    old = pack / manifest["text"]["encoder"]["file"]
    state, layers = recover_state_dict(old)
    L, W = state["pos"].shape
    vocab = state["tok.weight"].shape[0]
    E = state["proj.weight"].shape[0]
    cfg = Config(vocab_size=vocab, context_length=L, width=W, text_layers=layers, embed_dim=E,
                 mlp_ratio=state["blocks.0.mlp.0.bias"].shape[0] // W)
    text = TextEncoder(cfg)
    text.load_state_dict(state)
    text.eval()

    # the recovered weights must reproduce the old file before it is replaced
    tok = tokenizer.build(L)
    ids, mask, _ = tokenizer.encode(tok, ["a photo of a red circle", "a large blue square on the left", ""])
    before = ort.InferenceSession(str(old), providers=["CPUExecutionProvider"]).run(
        None, {"input_ids": ids, "attention_mask": mask})
    with torch.no_grad():
        emb, feats = text(torch.from_numpy(ids), torch.from_numpy(mask))
    recovered = max(float(np.abs(emb.numpy() - before[0]).max()), float(np.abs(feats.numpy() - before[1]).max()))
    print(json.dumps({"recovered_vs_old_onnx_max_abs_diff": recovered}))
    assert recovered <= 1e-5, recovered

    torch.manual_seed(0)
    manifest["text"] = export_text_encoder(text, L, W, E, pack)
    (pack / "model.json").write_text(json.dumps(manifest, indent=2) + "\n")
    check_int8(pack)
    print(f"re-exported {pack / 'text_encoder.onnx'} with a dynamic sequence axis")


if __name__ == "__main__":
    main()
