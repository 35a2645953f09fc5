"""ONNX Runtime's transformer graph fusions for an exported encoder, with a parity check against the unfused file.

onnxruntime.transformers' optimizer rewrites the exported graph into ONNX Runtime's fused operators (Attention,
LayerNormalization / SkipLayerNormalization, Gelu / BiasGelu) in Python (opt_level 0: only these pattern
fusions, nothing tied to the machine the export runs on; ONNX Runtime still applies its own optimisations when a
service loads the file). Needs the onnx package (the training venv); the parity check needs only ONNX Runtime.
"""

from __future__ import annotations

import logging
import pathlib

import numpy as np
import onnxruntime as ort

# Largest absolute difference allowed between the fused and the unfused encoder's L2-normalised embeddings on
# the parity inputs: the bound for the optimised path.
PARITY_TOLERANCE = 1e-5


class ParityFailure(SystemExit):
    """A fused encoder's outputs moved more than PARITY_TOLERANCE from the unfused file's."""


def fuse(src: pathlib.Path, dst: pathlib.Path, model_type: str, heads: int, hidden: int) -> dict:
    """Writes the fused graph of src to dst; returns how many of each fused operator it holds."""
    from onnxruntime.transformers.optimizer import optimize_model

    logging.getLogger("onnxruntime.transformers").setLevel(logging.WARNING)
    model = optimize_model(str(src), model_type=model_type, num_heads=heads, hidden_size=hidden, opt_level=0,
                           use_gpu=False)
    model.save_model_to_file(str(dst))
    ops = {}
    for node in model.model.graph.node:
        if node.domain == "com.microsoft" or node.op_type in ("LayerNormalization", "Gelu"):
            ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return ops


def session(path: pathlib.Path, threads: int = 2) -> ort.InferenceSession:
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def run_batches(sess: ort.InferenceSession, batches: list[dict]) -> np.ndarray:
    """The first output (the embeddings) of every batch, stacked."""
    return np.concatenate([sess.run(None, feed)[0] for feed in batches])


def parity(name: str, unfused: pathlib.Path, fused: pathlib.Path, batches: list[dict]) -> dict:
    """Largest absolute difference of the embeddings of the two files on the same batches; raises
    ParityFailure, naming the encoder and the tolerance, when it exceeds PARITY_TOLERANCE."""
    diff = float(np.abs(run_batches(session(unfused), batches) - run_batches(session(fused), batches)).max())
    if diff > PARITY_TOLERANCE:
        raise ParityFailure(f"{name}: fused embeddings differ from the unfused export by {diff:.2e}, "
                            f"more than {PARITY_TOLERANCE:.0e}")
    return {"encoder": name, "max_abs_diff_fused_vs_unfused": diff}
