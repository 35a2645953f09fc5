"""Trains the shapes-clip model on CPU: symmetric contrastive loss plus an image-text matching head.

Usage: python -m mmshapes.train --out .work/checkpoint.pt [--steps 3200] [--minutes 45] [--threads 2]
Training stops after --steps or --minutes, whichever comes first; the learning-rate schedule follows the
planned step count, so the stop time only matters on a slower machine.
"""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from . import data, tokenizer
from .model import Config, ShapesClip, contrastive_loss, count_parameters

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)
TRAIN_SEED = 1
HELDOUT_SEED = 2


def render_train_image(index: int, size: int) -> tuple[np.ndarray, data.Scene]:
    """Most images are drawn at the model's size; some larger and bicubic-resized, as a service would."""
    rng = np.random.default_rng([TRAIN_SEED, index, 7])
    canvas = size if rng.random() < 0.7 else int(rng.integers(size + 8, size * 3))
    img, scene = data.sample(TRAIN_SEED, index, canvas)
    if canvas != size:
        img = img.resize((size, size), Image.BICUBIC)
    return np.asarray(img), scene


def normalise(images_u8: np.ndarray) -> torch.Tensor:
    x = (images_u8.astype(np.float32) / 255.0 - MEAN) / STD
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", type=int, default=60000)
    ap.add_argument("--steps", type=int, default=3200)
    ap.add_argument("--minutes", type=float, default=45)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    start = time.time()

    cfg0 = Config(vocab_size=1)
    tok = tokenizer.build(cfg0.context_length)
    cfg = Config(vocab_size=tok.get_vocab_size())
    model = ShapesClip(cfg)
    print(json.dumps({"params": {"text": count_parameters(model.text), "vision": count_parameters(model.vision),
                                 "fusion": count_parameters(model.fusion)}}), flush=True)

    pairs = [render_train_image(i, cfg.image_size) for i in range(args.images)]
    images = np.stack([p[0] for p in pairs])
    scenes = [p[1] for p in pairs]
    print(f"generated {len(scenes)} images in {time.time() - start:.0f}s", flush=True)

    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    warmup = 150

    def lr_at(step):
        if step < warmup:
            return args.lr * (step + 1) / warmup
        return args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / (args.steps - warmup))))

    rng = np.random.default_rng(123)
    B = args.batch
    step = 0
    for step in range(args.steps):
        if time.time() - start > args.minutes * 60:
            print(f"time budget reached at step {step}", flush=True)
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        idx = rng.choice(len(scenes), size=B, replace=False)
        batch_scenes = [scenes[i] for i in idx]
        texts, specs, negs = [], [], []
        for sc in batch_scenes:
            pos, neg = data.hard_negative(sc, rng)
            texts.append(pos)
            negs.append(neg)
        # The captions' specs, for the multi-positive targets (a partial caption fits several images).
        specs = [_spec_of(t) for t in texts]
        fits = torch.tensor([[data.consistent(sp, sc) for sc in batch_scenes] for sp in specs], dtype=torch.float32)
        fits.fill_diagonal_(1.0)

        ids, mask, _ = tokenizer.encode(tok, texts + negs)
        ids, mask = torch.from_numpy(ids), torch.from_numpy(mask)
        pixels = normalise(images[idx])

        img_emb, patches = model.vision(pixels)
        txt_emb, tokens = model.text(ids, mask)
        pos_emb = txt_emb[:B]
        scale = model.logit_scale.exp().clamp(max=100)
        logits = scale * pos_emb @ img_emb.t()  # [text, image]
        t2i = -(F.log_softmax(logits, dim=1) * (fits / fits.sum(1, keepdim=True))).sum(1).mean()
        i2t = -(F.log_softmax(logits.t(), dim=1) * (fits.t() / fits.t().sum(1, keepdim=True))).sum(1).mean()
        clip_loss = (t2i + i2t) / 2

        # Matching: true caption (1), one-attribute-swapped caption (0), another image's caption that does not fit (0).
        perm = torch.roll(torch.arange(B), 1)
        rand_ok = fits[perm, torch.arange(B)] == 0
        tok_all = torch.cat([tokens[:B], tokens[B:], tokens[:B][perm][rand_ok]])
        mask_all = torch.cat([mask[:B], mask[B:], mask[:B][perm][rand_ok]])
        patch_all = torch.cat([patches, patches, patches[rand_ok]])
        target = torch.cat([torch.ones(B), torch.zeros(B), torch.zeros(int(rand_ok.sum()))])
        match_logit = model.fusion(tok_all, mask_all, patch_all)
        weight = torch.cat([torch.full((B,), 2.0), torch.ones(B), torch.ones(int(rand_ok.sum()))])
        match_loss = F.binary_cross_entropy_with_logits(match_logit, target, weight=weight)

        loss = clip_loss + match_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        if step % 50 == 0:
            acc = ((match_logit > 0).float() == target).float().mean().item()
            print(f"step {step} t={time.time() - start:.0f}s lr={lr_at(step):.2e} clip={clip_loss.item():.3f} "
                  f"match={match_loss.item():.3f} match_acc={acc:.3f} scale={scale.item():.1f}", flush=True)

        if step % 500 == 499:
            _save(model, cfg, step + 1, start, args.out)
    _save(model, cfg, step + 1, start, args.out)
    print(f"saved {args.out} after {step + 1} steps, {time.time() - start:.0f}s", flush=True)


def _save(model, cfg, steps, start, out):
    torch.save({"config": cfg.__dict__, "state_dict": model.state_dict(), "steps": steps,
                "seconds": time.time() - start}, out)


_SPEC_CACHE: dict = {}


def _spec_of(text: str):
    """Parses a generated caption back into its spec (what it names); captions come from data.caption."""
    if text in _SPEC_CACHE:
        return _SPEC_CACHE[text]
    words = text.replace("a photo of ", "").replace("an image of ", "").split()
    background = None
    if words[-1] == "background":
        background = words[-2]
        words = words[:-4]
    named = []
    for part in " ".join(words).split(" and "):
        w = part.split()[1:]  # drop the article
        d = {}
        if w[0] in data.SIZES:
            d["size"] = w.pop(0)
        d["color"], d["shape"] = w[0], w[1]
        rest = " ".join(w[2:])
        for pos, phrases in data._POSITION_PHRASES.items():
            if rest in phrases:
                d["position"] = pos
        named.append(d)
    spec = (tuple(named), background)
    _SPEC_CACHE[text] = spec
    return spec


if __name__ == "__main__":
    main()
