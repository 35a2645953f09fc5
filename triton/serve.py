"""Serves a model pack's text and vision encoders through a real Triton (PyTriton's bundled tritonserver).

The bound Python functions run the pack's own ONNX files with ONNX Runtime, so Triton answers with the
same numbers as mmserve's embedded backend. Triton's dynamic batcher is on. Model names are
PREFIX + pack name + "-text" / "-vision" (for example "shapes-clip-text"), version 1: the names the
mmserve encoders use with triton.model-prefix=PREFIX.

    triton/.venv/bin/python triton/serve.py --pack models/shapes-clip --grpc-port 8001

Prints "triton serving grpc=HOST:PORT models=..." once every model is ready, then serves until SIGTERM or
SIGINT. Binds to loopback unless --host says otherwise. With --grpc-server-cert and --grpc-server-key the gRPC
port serves TLS only (Triton's --grpc-use-ssl); with --grpc-root-cert too, every client must present a
certificate issued by those CAs (--grpc-use-ssl-mutual). The HTTP port stays plaintext.
"""

import argparse
import json
import logging
import os
import pathlib
import signal
import sys
import sysconfig

import numpy as np

DTYPES = {"float32": np.float32, "int64": np.int64, "int32": np.int32, "float16": np.float16, "uint8": np.uint8}


def _use_own_libpython() -> None:
    # The Python backend stub loads libpython3.X.so through the library path. If that finds another
    # build of the same minor version (a system one), the stub runs with this venv's standard library
    # but a different interpreter and fails in multiprocessing; put this interpreter's folder first.
    libdir = sysconfig.get_config_var("LIBDIR")
    if libdir and os.path.isdir(libdir):
        current = os.environ.get("LD_LIBRARY_PATH", "")
        os.environ["LD_LIBRARY_PATH"] = libdir + (":" + current if current else "")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default="models/shapes-clip", help="model pack folder (with model.json)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--grpc-port", type=int, default=8001)
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--metrics-port", type=int, default=8002)
    parser.add_argument("--model-prefix", default="")
    parser.add_argument("--max-batch-size", type=int, default=32)
    parser.add_argument("--queue-delay-us", type=int, default=500, help="dynamic batcher max queue delay")
    parser.add_argument("--instances", type=int, default=1, help="model instances per encoder")
    parser.add_argument("--ort-threads", type=int, default=0, help="ONNX Runtime intra-op threads (0: default)")
    parser.add_argument("--int8", action="store_true", help="serve the int8 files")
    parser.add_argument("--grpc-server-cert", help="PEM certificate chain: the gRPC port serves TLS")
    parser.add_argument("--grpc-server-key", help="PEM private key of --grpc-server-cert")
    parser.add_argument("--grpc-root-cert", help="PEM CAs a client certificate must chain to: mutual TLS")
    return parser.parse_args()


def _tensors(specs, tensor_cls):
    # Triton's shapes leave out the batch axis when max_batch_size > 0.
    return [tensor_cls(name=s["name"], dtype=DTYPES[s["dtype"]], shape=tuple(s["shape"][1:])) for s in specs]


def _bind(triton, pack: pathlib.Path, section: dict, name: str, args) -> None:
    import onnxruntime as ort
    from pytriton.decorators import batch
    from pytriton.model_config import DynamicBatcher, ModelConfig, Tensor

    encoder = section["encoder"]
    options = ort.SessionOptions()
    if args.ort_threads > 0:
        options.intra_op_num_threads = args.ort_threads
    file = encoder["int8_file"] if args.int8 else encoder["file"]
    session = ort.InferenceSession(str(pack / file), options, providers=["CPUExecutionProvider"])
    input_names = [s["name"] for s in encoder["inputs"]]
    output_names = [s["name"] for s in encoder["outputs"]]

    @batch
    def infer(**inputs):
        results = session.run(output_names, {n: inputs[n] for n in input_names})
        return dict(zip(output_names, results))

    preferred = [s for s in (4, 8, 16, 32) if s <= args.max_batch_size]
    triton.bind(
        model_name=name,
        infer_func=infer,
        inputs=_tensors(encoder["inputs"], Tensor),
        outputs=_tensors(encoder["outputs"], Tensor),
        config=ModelConfig(
            max_batch_size=args.max_batch_size,
            batcher=DynamicBatcher(
                max_queue_delay_microseconds=args.queue_delay_us, preferred_batch_size=preferred
            ),
        ),
        strict=True,
    )


def _grpc_tls(args) -> dict:
    if not args.grpc_server_cert and not args.grpc_server_key:
        if args.grpc_root_cert:
            sys.exit("--grpc-root-cert needs --grpc-server-cert and --grpc-server-key (mutual TLS is TLS)")
        return {}
    if not args.grpc_server_cert or not args.grpc_server_key:
        sys.exit("--grpc-server-cert and --grpc-server-key go together")
    tls = {
        "grpc_use_ssl": True,
        "grpc_server_cert": pathlib.Path(args.grpc_server_cert).resolve(),
        "grpc_server_key": pathlib.Path(args.grpc_server_key).resolve(),
    }
    if args.grpc_root_cert:
        tls["grpc_use_ssl_mutual"] = True
        tls["grpc_root_cert"] = pathlib.Path(args.grpc_root_cert).resolve()
    return tls


def main() -> int:
    args = _arguments()
    _use_own_libpython()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from pytriton.triton import Triton, TritonConfig

    pack = pathlib.Path(args.pack).resolve()
    manifest = json.loads((pack / "model.json").read_text())
    config = TritonConfig(
        grpc_address=args.host,
        grpc_port=args.grpc_port,
        http_address=args.host,
        http_port=args.http_port,
        metrics_address=args.host,
        metrics_port=args.metrics_port,
        exit_timeout_secs=5,
        **_grpc_tls(args),
    )
    names = []
    with Triton(config=config) as triton:
        for role in ("text", "vision"):
            if role in manifest:
                name = f"{args.model_prefix}{manifest['name']}-{role}"
                _bind(triton, pack, manifest[role], name, args)
                names.append(name)
        signal.signal(signal.SIGTERM, lambda *_: triton.stop())
        triton.run()
        # PyTriton copies tritonserver's log to stdout from another thread: start on a fresh line
        print(f"\ntriton serving grpc={args.host}:{args.grpc_port} models={','.join(names)}", flush=True)
        triton.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
