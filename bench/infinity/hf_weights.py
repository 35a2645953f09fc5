"""Saves the CLIP kit's ViT-B/32 (open_clip, random weights, seed 0: the same weights as the mmserve pack) in
Hugging Face's CLIPModel layout, which Infinity loads: model.safetensors, config.json, the tokenizer (the pack's
tokenizer.json, padding left to the caller) and the image processor's settings.

Usage (in the CLIP kit's venv, which has torch and open_clip; transformers is not needed to write the files):
  PYTHONPATH=models models/.venv/bin/python bench/infinity/hf_weights.py --pack DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import pathlib

import torch


def hf_state_dict(clip) -> dict:
    """open_clip's ViT-B-32 state dict renamed to transformers' CLIPModel (attention in_proj split in three)."""
    sd = {k: v.detach().clone() for k, v in clip.state_dict().items()}
    out = {
        "vision_model.embeddings.class_embedding": sd["visual.class_embedding"],
        "vision_model.embeddings.patch_embedding.weight": sd["visual.conv1.weight"],
        "vision_model.embeddings.position_embedding.weight": sd["visual.positional_embedding"],
        "vision_model.pre_layrnorm.weight": sd["visual.ln_pre.weight"],
        "vision_model.pre_layrnorm.bias": sd["visual.ln_pre.bias"],
        "vision_model.post_layernorm.weight": sd["visual.ln_post.weight"],
        "vision_model.post_layernorm.bias": sd["visual.ln_post.bias"],
        "visual_projection.weight": sd["visual.proj"].t(),
        "text_model.embeddings.token_embedding.weight": sd["token_embedding.weight"],
        "text_model.embeddings.position_embedding.weight": sd["positional_embedding"],
        "text_model.final_layer_norm.weight": sd["ln_final.weight"],
        "text_model.final_layer_norm.bias": sd["ln_final.bias"],
        "text_projection.weight": sd["text_projection"].t(),
        "logit_scale": sd["logit_scale"],
    }
    for src, dst in (("visual.transformer", "vision_model.encoder"), ("transformer", "text_model.encoder")):
        i = 0
        while f"{src}.resblocks.{i}.ln_1.weight" in sd:
            s, d = f"{src}.resblocks.{i}", f"{dst}.layers.{i}"
            for a, b in (("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"), ("mlp.c_fc", "mlp.fc1"),
                         ("mlp.c_proj", "mlp.fc2"), ("attn.out_proj", "self_attn.out_proj")):
                out[f"{d}.{b}.weight"] = sd[f"{s}.{a}.weight"]
                out[f"{d}.{b}.bias"] = sd[f"{s}.{a}.bias"]
            for name, w, b in zip(("q_proj", "k_proj", "v_proj"), sd[f"{s}.attn.in_proj_weight"].chunk(3),
                                  sd[f"{s}.attn.in_proj_bias"].chunk(3)):
                out[f"{d}.self_attn.{name}.weight"] = w
                out[f"{d}.self_attn.{name}.bias"] = b
            i += 1
    return {k: v.contiguous() for k, v in out.items()}


def main() -> None:
    import open_clip
    from safetensors.torch import save_file

    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", required=True, help="the CLIP kit's pack (for its tokenizer.json and model.json)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    pack, out = pathlib.Path(args.pack), pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)  # as mmshapes.clip_kit.export_pack: the same random weights
    model, _, _ = open_clip.create_model_and_transforms("ViT-B-32", pretrained=None)
    save_file(hf_state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    manifest = json.loads((pack / "model.json").read_text())
    vision = manifest["vision"]
    (out / "config.json").write_text(json.dumps({
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 512,
        "logit_scale_init_value": 2.6592, "torch_dtype": "float32",
        "text_config": {"model_type": "clip_text_model", "vocab_size": 49408, "hidden_size": 512,
                        "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 8,
                        "max_position_embeddings": 77, "hidden_act": "gelu", "layer_norm_eps": 1e-5,
                        "projection_dim": 512, "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 0},
        "vision_config": {"model_type": "clip_vision_model", "hidden_size": 768, "intermediate_size": 3072,
                          "num_hidden_layers": 12, "num_attention_heads": 12, "image_size": 224, "patch_size": 32,
                          "hidden_act": "gelu", "layer_norm_eps": 1e-5, "projection_dim": 512},
    }, indent=2))
    tok = json.loads((pack / "tokenizer.json").read_text())
    tok["padding"] = None  # the pack pads to 77; Infinity's processor pads each batch to its longest text
    (out / "tokenizer.json").write_text(json.dumps(tok))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "pad_token": "!",
        "processor_class": "CLIPProcessor"}))
    (out / "special_tokens_map.json").write_text(json.dumps({
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
        "pad_token": "!"}))
    (out / "preprocessor_config.json").write_text(json.dumps({
        "image_processor_type": "CLIPImageProcessor", "processor_class": "CLIPProcessor",
        "do_resize": True, "size": {"shortest_edge": vision["resize"]["shortest_edge"]}, "resample": 3,
        "do_center_crop": True, "crop_size": {"height": vision["crop"]["height"], "width": vision["crop"]["width"]},
        "do_rescale": True, "rescale_factor": vision["rescale_factor"], "do_normalize": True,
        "image_mean": vision["mean"], "image_std": vision["std"], "do_convert_rgb": True}))
    print(json.dumps({"hf_model": str(out), "tensors": len(hf_state_dict(model))}))


if __name__ == "__main__":
    main()
