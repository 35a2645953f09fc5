"""INT8 encoders: dynamic quantisation, and the accuracy gate an export must pass before it writes them.

Quantisation (`quantize`) needs the onnx package (the training venv); the gate's measurements (`cosines`,
`gate_report`, `zero_shot_agreement`, `check`) need only numpy, so the pack checks run them with ONNX Runtime.

The gate compares an INT8 encoder with its FP32 file on a fixed set of inputs:
- per item, the cosine of the INT8 embedding to the FP32 one (both are L2-normalised by the encoders); the
  export fails when the smallest is below COSINE_MIN or the mean below COSINE_MEAN_MIN;
- for a trained pack (the bundled shapes pack), zero-shot top-1 of held-out images against the label prompts:
  the INT8 prediction must equal the FP32 one for at least AGREEMENT_MIN of the images (and the INT8 top-1 may
  lose at most one point, as the pack checks already said).
"""

from __future__ import annotations

import pathlib

import numpy as np

# Measured (models/README.md): the shapes pack 0.9995+ per item; ViT-B/32 with random weights 0.998+ (text) and
# 0.9997 (vision, reduced range), 0.979 (vision, full range: the gate rejects it).
COSINE_MIN = 0.98
COSINE_MEAN_MIN = 0.99
AGREEMENT_MIN = 0.98
# Which nodes' weights are quantised: the linear layers (and the fused attention's, where a graph has it).
OP_TYPES = ["MatMul", "Gemm", "Attention"]


class GateFailure(SystemExit):
    """An INT8 encoder missed the gate; the message names the encoder, the measure and the rule."""


def quantize(src: pathlib.Path, dst: pathlib.Path, reduced_range: bool = False) -> None:
    """Dynamic INT8 quantisation: weights of OP_TYPES as signed int8, activations quantised to uint8 at run time.

    reduced_range=False is how the bundled pack's int8 files were made (per-tensor, full 8-bit range).
    reduced_range=True quantises weights per output channel to 7 bits: on x86 CPUs without VNNI, ONNX Runtime's
    uint8 x int8 kernels add pairs of products in 16 bits, which saturates with full-range weights; CLIP
    ViT-B/32's vision encoder lost up to 2 % cosine that way (0.979), and 0.9997 with the reduced range."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # a fused graph's contrib operators have no type inference: their outputs are float32
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, op_types_to_quantize=OP_TYPES,
                     per_channel=reduced_range, reduce_range=reduced_range,
                     extra_options={"DefaultTensorType": TensorProto.FLOAT})


def cosines(fp32: np.ndarray, int8: np.ndarray) -> np.ndarray:
    """Per-row cosine of two [N, D] embedding matrices (normalised here again, so any scale is fine)."""
    a = fp32 / np.linalg.norm(fp32, axis=1, keepdims=True)
    b = int8 / np.linalg.norm(int8, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def gate_report(name: str, fp32: np.ndarray, int8: np.ndarray) -> dict:
    """The cosine measures of one encoder over its gate inputs."""
    c = cosines(fp32, int8)
    return {"encoder": name, "items": int(len(c)), "cosine_min": float(c.min()), "cosine_mean": float(c.mean())}


def zero_shot_agreement(fp32_images, fp32_labels, int8_images, int8_labels, truth=None) -> dict:
    """How often INT8 and FP32 pick the same label for an image (and each one's top-1 when truth is given)."""
    p32 = (fp32_images @ fp32_labels.T).argmax(1)
    p8 = (int8_images @ int8_labels.T).argmax(1)
    out = {"encoder": "zero_shot", "items": int(len(p32)), "agreement": float(np.mean(p32 == p8))}
    if truth is not None:
        out["top1_fp32"] = float(np.mean(p32 == truth))
        out["top1_int8"] = float(np.mean(p8 == truth))
    return out


def failures(reports: list[dict]) -> list[str]:
    """Every rule a report misses, as a message naming the encoder, the measure and the threshold."""
    out = []
    for r in reports:
        name = r["encoder"]
        if "cosine_min" in r and r["cosine_min"] < COSINE_MIN:
            out.append(f"{name}: smallest INT8-to-FP32 cosine {r['cosine_min']:.5f} is below {COSINE_MIN}")
        if "cosine_mean" in r and r["cosine_mean"] < COSINE_MEAN_MIN:
            out.append(f"{name}: mean INT8-to-FP32 cosine {r['cosine_mean']:.5f} is below {COSINE_MEAN_MIN}")
        if "agreement" in r and r["agreement"] < AGREEMENT_MIN:
            out.append(f"{name}: INT8 picks the FP32 label for {r['agreement']:.3f} of images, below {AGREEMENT_MIN}")
        if "top1_int8" in r and r["top1_int8"] < r["top1_fp32"] - 0.01:
            out.append(f"{name}: INT8 top-1 {r['top1_int8']:.3f} loses more than one point of FP32's "
                       f"{r['top1_fp32']:.3f}")
    return out


def check(reports: list[dict]) -> None:
    """Raises GateFailure (the export exits non-zero) when any report misses a rule."""
    missed = failures(reports)
    if missed:
        raise GateFailure("INT8 accuracy gate failed:\n  " + "\n  ".join(missed))
