"""Embeddings of a few texts and bench/data/photo_640x480.jpg from the Hugging Face copy of the weights
(transformers' CLIPModel and CLIPProcessor, what Infinity runs), written as .npy for bench/infinity.sh to compare
with the mmserve pack. Run in Infinity's venv: python parity.py HF_DIR IMAGE OUT_DIR"""
import sys

import numpy as np
import torch
from PIL import Image
from transformers import CLIPModel, CLIPProcessor

TEXTS = ["a photo of a cat", "a large blue square on the left", "a diagram showing the parts of a bicycle"]

hf, image, out = sys.argv[1:4]
model, proc = CLIPModel.from_pretrained(hf).eval(), CLIPProcessor.from_pretrained(hf)
with torch.no_grad():
    t = model.get_text_features(**proc(text=TEXTS, return_tensors="pt", padding=True))
    i = model.get_image_features(**proc(images=[Image.open(image)], return_tensors="pt"))
np.save(f"{out}/hf_text.npy", torch.nn.functional.normalize(t, dim=-1).numpy())
np.save(f"{out}/hf_image.npy", torch.nn.functional.normalize(i, dim=-1).numpy())
