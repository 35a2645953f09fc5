"""The INT8 accuracy gate (mmshapes.int8): its rules, and the shipped pack's INT8 encoders passing it.

Runs with onnxruntime and numpy only. The shipped pack's measures are held-out data (1,000 images, 1,032 texts).
"""

import pathlib

import numpy as np
import pytest

from mmshapes import evaluate, int8

PACK = pathlib.Path(__file__).resolve().parents[1] / "shapes-clip"


def test_cosines_arePerRowAndScaleFree():
    a = np.array([[1.0, 0.0], [0.0, 2.0]], dtype=np.float32)
    b = np.array([[3.0, 0.0], [2.0, 2.0]], dtype=np.float32)
    assert np.allclose(int8.cosines(a, b), [1.0, np.sqrt(0.5)], atol=1e-6)


def test_check_failsNamingTheEncoderAndTheRule_whenTheSmallestCosineIsLow():
    report = {"encoder": "vision_encoder", "items": 3, "cosine_min": 0.95, "cosine_mean": 0.995}
    with pytest.raises(int8.GateFailure, match=r"vision_encoder: smallest INT8-to-FP32 cosine 0.95000 is below 0.98"):
        int8.check([report])


def test_check_failsOnMeanCosine_andOnZeroShotAgreementOrTop1Loss():
    missed = int8.failures([
        {"encoder": "text_encoder", "items": 2, "cosine_min": 0.985, "cosine_mean": 0.989},
        {"encoder": "zero_shot", "items": 10, "agreement": 0.9, "top1_fp32": 0.99, "top1_int8": 0.9},
    ])
    assert missed == [
        "text_encoder: mean INT8-to-FP32 cosine 0.98900 is below 0.99",
        "zero_shot: INT8 picks the FP32 label for 0.900 of images, below 0.98",
        "zero_shot: INT8 top-1 0.900 loses more than one point of FP32's 0.990",
    ]


def test_check_passesWhenEveryRuleHolds():
    int8.check([{"encoder": "text_encoder", "items": 2, "cosine_min": 0.999, "cosine_mean": 0.9995},
                {"encoder": "zero_shot", "items": 4, "agreement": 1.0, "top1_fp32": 1.0, "top1_int8": 0.995}])


def test_zeroShotAgreement_countsSameLabelPicks():
    labels = np.eye(3, dtype=np.float32)
    img32 = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=np.float32)
    img8 = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [1, 0, 0]], dtype=np.float32)
    r = int8.zero_shot_agreement(img32, labels, img8, labels, truth=np.array([0, 1, 2, 1]))
    assert r == {"encoder": "zero_shot", "items": 4, "agreement": 0.75, "top1_fp32": 0.75, "top1_int8": 0.5}


def test_shippedPack_int8EncodersPassTheGate():
    reports = evaluate.int8_gate_reports(PACK, n=1000)
    assert int8.failures(reports) == [], reports


def test_fusionParity_failsNamingTheEncoder_whenTheFilesDisagree():
    from mmshapes import fuse

    ids = np.array([[1, 5, 6, 2]], dtype=np.int64)
    feed = [{"input_ids": ids, "attention_mask": np.ones_like(ids)}]
    assert fuse.parity("text_encoder", PACK / "text_encoder.onnx", PACK / "text_encoder.onnx", feed)[
        "max_abs_diff_fused_vs_unfused"] == 0.0
    with pytest.raises(fuse.ParityFailure, match=r"text_encoder: fused embeddings differ from the unfused export"
                                                 r" by .* more than 1e-05"):
        fuse.parity("text_encoder", PACK / "text_encoder.onnx", PACK / "text_encoder.int8.onnx", feed)
