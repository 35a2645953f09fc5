"""The committed stubs under src/mmserve/v1 are what the proto in proto/ generates today."""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import pytest

_SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "generate_stubs.py"


def test_committedStubs_matchTheProto(tmp_path: pathlib.Path) -> None:
    if not (pathlib.Path(__file__).resolve().parents[3] / "proto").is_dir():
        pytest.skip("not inside the mmserve repository: proto/ is not there")
    spec = importlib.util.spec_from_file_location("generate_stubs", _SCRIPT)
    generate_stubs = importlib.util.module_from_spec(spec)
    sys.modules["generate_stubs"] = generate_stubs
    spec.loader.exec_module(generate_stubs)

    fresh = generate_stubs.generate(tmp_path)

    committed = generate_stubs.OUTPUT_ROOT / "mmserve" / "v1"
    stale = [f.name for f in fresh if (committed / f.name).read_bytes() != f.read_bytes()]
    assert not stale, (
        f"{stale} in {committed} are out of date with proto/; "
        "run: python clients/python/scripts/generate_stubs.py"
    )
