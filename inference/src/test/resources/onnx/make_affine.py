"""Writes affine.onnx, the tiny model the OnnxRuntimeBackend tests run.

  inputs:  x   float32 [batch, 3]    ids      int64 [batch, 3]
  outputs: y = x * 2 + 1 (float32)   next_ids = ids + 1 (int64)

Run from this directory with the project's venv:
  ../../../../../models/.venv/bin/python make_affine.py
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3])
ids = helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", 3])
y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])
next_ids = helper.make_tensor_value_info("next_ids", TensorProto.INT64, ["batch", 3])

constants = [
    numpy_helper.from_array(np.array(2.0, dtype=np.float32), "two"),
    numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
    numpy_helper.from_array(np.array(1, dtype=np.int64), "one_int"),
]
nodes = [
    helper.make_node("Mul", ["x", "two"], ["x2"]),
    helper.make_node("Add", ["x2", "one"], ["y"]),
    helper.make_node("Add", ["ids", "one_int"], ["next_ids"]),
]
graph = helper.make_graph(nodes, "affine", [x, ids], [y, next_ids], initializer=constants)
model = helper.make_model(
    graph, producer_name="mmserve-tests", opset_imports=[helper.make_opsetid("", 17)]
)
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "affine.onnx")
