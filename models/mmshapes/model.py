"""A small CLIP-style dual encoder with a cross-modal attention fusion head.

Attention is written by hand (no nn.MultiheadAttention / nn.TransformerEncoder) so that ONNX export is
plain MatMul/Softmax and the Java fusion service can mirror the fusion head operation for operation.
"""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclasses.dataclass(frozen=True)
class Config:
    vocab_size: int
    context_length: int = 24
    image_size: int = 64
    width: int = 128
    heads: int = 4
    text_layers: int = 3
    vision_layers: int = 4
    mlp_ratio: int = 2
    embed_dim: int = 64
    fusion_heads: int = 4


class CrossModalAttention(nn.Module):
    """The seed article's CrossModalAttention: queries from one modality attend to the other's tokens.

    forward(query [B, Nq, C], key_value [B, Nk, C], mask [B, Nq, Nk] or None) -> [B, Nq, C].
    Where mask == 0 the score is set to -1e9 before the softmax, so a fully masked row attends uniformly.
    """

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        assert dim % num_heads == 0
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.scale = self.head_dim**-0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, query, key_value, mask=None):
        B, Nq, C = query.shape
        Nk = key_value.shape[1]
        H, D = self.num_heads, self.head_dim
        q = self.q_proj(query).reshape(B, Nq, H, D).transpose(1, 2)
        k = self.k_proj(key_value).reshape(B, Nk, H, D).transpose(1, 2)
        v = self.v_proj(key_value).reshape(B, Nk, H, D).transpose(1, 2)
        attn = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        if mask is not None:
            attn = attn.masked_fill(mask.unsqueeze(1) == 0, -1e9)
        attn = attn.softmax(dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(B, Nq, C)
        return self.out_proj(out)


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, key_bias=None):
        B, N, C = x.shape
        H = self.heads
        q, k, v = self.qkv(x).reshape(B, N, 3, H, C // H).permute(2, 0, 3, 1, 4)
        attn = torch.matmul(q, k.transpose(-2, -1)) * (C // H) ** -0.5
        if key_bias is not None:
            attn = attn + key_bias
        attn = attn.softmax(dim=-1)
        return self.proj(torch.matmul(attn, v).transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.GELU(), nn.Linear(dim * mlp_ratio, dim))

    def forward(self, x, key_bias=None):
        x = x + self.attn(self.ln1(x), key_bias)
        return x + self.mlp(self.ln2(x))


class TextEncoder(nn.Module):
    """input_ids, attention_mask [B, L] int64 -> (text_embeds [B, E] L2-normalised, token_features [B, L, W])."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.tok = nn.Embedding(cfg.vocab_size, cfg.width)
        self.pos = nn.Parameter(torch.randn(cfg.context_length, cfg.width) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg.width, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.text_layers))
        self.ln = nn.LayerNorm(cfg.width)
        self.proj = nn.Linear(cfg.width, cfg.embed_dim, bias=False)

    def forward(self, input_ids, attention_mask):
        L = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos[:L]
        maskf = attention_mask.to(x.dtype)
        key_bias = ((1.0 - maskf) * -1e9)[:, None, None, :]
        for blk in self.blocks:
            x = blk(x, key_bias)
        x = self.ln(x)
        # Pool at the end-of-text token: the last position the mask keeps.
        eos = (attention_mask.sum(dim=1) - 1).clamp(min=0)
        pooled = x[torch.arange(x.shape[0]), eos]
        return F.normalize(self.proj(pooled), dim=-1), x


class VisionEncoder(nn.Module):
    """pixel_values [B, 3, S, S] (normalised) -> (image_embeds [B, E] L2-normalised, patch_features [B, 1+P, W])."""

    def __init__(self, cfg: Config):
        super().__init__()
        w = cfg.width
        self.stem = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1),
            nn.GELU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.GELU(),
            nn.Conv2d(64, w, 2, stride=2),
        )
        grid = cfg.image_size // 8
        self.cls = nn.Parameter(torch.zeros(1, 1, w))
        self.pos = nn.Parameter(torch.randn(1 + grid * grid, w) * 0.02)
        self.ln_pre = nn.LayerNorm(w)
        self.blocks = nn.ModuleList(Block(w, cfg.heads, cfg.mlp_ratio) for _ in range(cfg.vision_layers))
        self.ln = nn.LayerNorm(w)
        self.proj = nn.Linear(w, cfg.embed_dim, bias=False)

    def forward(self, pixel_values):
        x = self.stem(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        x = self.ln_pre(x)
        for blk in self.blocks:
            x = blk(x)
        x = self.ln(x)
        return F.normalize(self.proj(x[:, 0]), dim=-1), x


class FusionHead(nn.Module):
    """Image-text matching: text tokens attend over image patch tokens, then a small MLP gives a logit.

    forward(token_features [B, L, W], attention_mask [B, L], patch_features [B, P, W]) -> logit [B].
    fused = LayerNorm(tokens + CrossModalAttention(tokens, patches, mask)); pooled = masked mean of fused;
    logit = fc2(gelu(fc1(pooled))). Padded text positions are fully masked query rows (uniform attention),
    and the masked mean ignores them.
    """

    def __init__(self, cfg: Config):
        super().__init__()
        self.cross_attn = CrossModalAttention(cfg.width, cfg.fusion_heads)
        self.ln = nn.LayerNorm(cfg.width)
        self.fc1 = nn.Linear(cfg.width, cfg.width)
        self.fc2 = nn.Linear(cfg.width, 1)

    def forward(self, token_features, attention_mask, patch_features):
        maskf = attention_mask.to(token_features.dtype)
        cross_mask = maskf[:, :, None].expand(-1, -1, patch_features.shape[1])
        fused = self.ln(token_features + self.cross_attn(token_features, patch_features, cross_mask))
        pooled = (fused * maskf[:, :, None]).sum(dim=1) / maskf.sum(dim=1, keepdim=True).clamp(min=1.0)
        return self.fc2(F.gelu(self.fc1(pooled))).squeeze(-1)


class ShapesClip(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.text = TextEncoder(cfg)
        self.vision = VisionEncoder(cfg)
        self.fusion = FusionHead(cfg)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))


def contrastive_loss(image_embeds, text_embeds, logit_scale):
    """The symmetric CLIP loss: cross-entropy image->text and text->image over scaled cosine similarity."""
    logits = logit_scale.exp().clamp(max=100) * image_embeds @ text_embeds.t()
    labels = torch.arange(logits.shape[0])
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
