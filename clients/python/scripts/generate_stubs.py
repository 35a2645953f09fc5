"""Regenerates the committed gRPC stubs of mmserve.v1 from the repository's proto/ folder.

Run from anywhere with grpcio-tools installed (the `dev` extra):

    python clients/python/scripts/generate_stubs.py

It writes src/mmserve/v1/multimodal_pb2.py, multimodal_pb2.pyi and multimodal_pb2_grpc.py.
tests/test_stubs_current.py runs the same generation into a temporary folder and fails when the
committed files differ, so a proto change without regenerated stubs cannot go unnoticed.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile

PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[1]
PROTO_ROOT = PACKAGE_ROOT.parents[1] / "proto" / "src" / "main" / "protobuf"
PROTO_FILE = "mmserve/v1/multimodal.proto"
OUTPUT_ROOT = PACKAGE_ROOT / "src"
GENERATED = ("multimodal_pb2.py", "multimodal_pb2.pyi", "multimodal_pb2_grpc.py")


def generate(output_root: pathlib.Path) -> list[pathlib.Path]:
    """Runs protoc (grpcio-tools) on the public proto; returns the files it wrote under output_root."""
    import google.api.annotations_pb2  # noqa: F401 (the .proto files ship beside it)
    import grpc_tools
    from grpc_tools import protoc

    common_protos = pathlib.Path(google.api.annotations_pb2.__file__).parents[2]
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"-I{common_protos}",
        f"-I{well_known}",
        f"--python_out={output_root}",
        f"--pyi_out={output_root}",
        f"--grpc_python_out={output_root}",
        PROTO_FILE,
    ]
    if protoc.main(args) != 0:
        raise RuntimeError(f"protoc failed on {PROTO_ROOT / PROTO_FILE}")
    folder = output_root / "mmserve" / "v1"
    return [folder / name for name in GENERATED]


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        written = generate(pathlib.Path(scratch))
        target = OUTPUT_ROOT / "mmserve" / "v1"
        target.mkdir(parents=True, exist_ok=True)
        for file in written:
            (target / file.name).write_bytes(file.read_bytes())
            print(f"wrote {target / file.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
