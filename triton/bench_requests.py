"""Writes the ghz request bodies of the Triton benchmark (triton/bench.sh) into a folder.

    bench_requests.py PACK OUT_DIR

text-direct.json / image-direct.json: KServe v2 ModelInfer requests for one caption's token ids and
one image's pixels (the pack's golden inputs, batch 1) with raw_input_contents;
text-service.json / image-service.json: the EncodeText / EncodeImage requests of the same caption
and of that image's centre crop as raw RGB8 pixels (the encoder only normalises them), for the
encoders in triton mode; jpeg-service.json: EncodeImage of the image's file (decode, resize, crop).
"""

import base64
import json
import pathlib
import sys

import numpy as np


def main() -> int:
    pack = pathlib.Path(sys.argv[1])
    out = pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((pack / "model.json").read_text())
    reference = pack / "reference"
    index = json.loads((reference / "index.json").read_text())
    name = manifest["name"]

    text_inputs = manifest["text"]["encoder"]["inputs"]
    arrays = {
        "input_ids": np.load(reference / index["arrays"]["input_ids"])[:1],
        "attention_mask": np.load(reference / index["arrays"]["attention_mask"])[:1],
    }
    (out / "text-direct.json").write_text(json.dumps(infer_request(f"{name}-text", text_inputs, arrays)))
    (out / "text-service.json").write_text(json.dumps({"texts": [index["captions"][0]]}))

    image = index["images"][0]
    pixels = np.load(reference / image["pixels"])[None, ...].astype(np.float32)
    vision_inputs = manifest["vision"]["encoder"]["inputs"]
    (out / "image-direct.json").write_text(
        json.dumps(infer_request(f"{name}-vision", vision_inputs, {vision_inputs[0]["name"]: pixels}))
    )
    # the same pixels before normalisation, as raw RGB8: the encoder only normalises them
    crop = np.ascontiguousarray(np.load(reference / image["crop_u8"]), dtype=np.uint8)
    raw = {"width": int(crop.shape[1]), "height": int(crop.shape[0]), "format": "RGB8",
           "data": base64.b64encode(crop.tobytes()).decode()}
    (out / "image-service.json").write_text(json.dumps({"images": [{"raw": raw}]}))
    # the image's file: the encoder decodes, resizes and crops it first
    encoded = base64.b64encode((reference / image["file"]).read_bytes()).decode()
    (out / "jpeg-service.json").write_text(json.dumps({"images": [{"encoded": encoded}]}))
    print(f"caption: {index['captions'][0]!r}; image: {image['file']} ({image['width']}x{image['height']})")
    return 0


def infer_request(model: str, specs, arrays) -> dict:
    wire = {"int64": ("INT64", np.int64), "float32": ("FP32", np.float32)}
    inputs, raw = [], []
    for spec in specs:
        datatype, dtype = wire[spec["dtype"]]
        array = np.ascontiguousarray(arrays[spec["name"]], dtype=dtype)
        inputs.append({"name": spec["name"], "datatype": datatype, "shape": list(array.shape)})
        raw.append(base64.b64encode(array.astype(array.dtype.newbyteorder("<")).tobytes()).decode())
    return {"model_name": model, "inputs": inputs, "raw_input_contents": raw}


if __name__ == "__main__":
    sys.exit(main())
