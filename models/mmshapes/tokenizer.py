"""Builds the pack's word-level tokenizer as a Hugging Face tokenizer.json (loaded by DJL in Java).

Lower-cases (NFKC first), splits on whitespace and punctuation, wraps every text as [SOS] ... [EOS],
truncates to the context length keeping [EOS] last, and pads with [PAD] (id 0) to the context length.
"""

from __future__ import annotations

import numpy as np
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel

from . import data

SPECIALS = ["[PAD]", "[UNK]", "[SOS]", "[EOS]"]
PAD_ID = 0


def vocabulary() -> list[str]:
    words = set()
    rng = np.random.default_rng(0)
    for i in range(20000):
        scene = data.random_scene(rng)
        text, _ = data.caption_with_spec(scene, rng)
        words.update(text.split())
    words.update(data.COLORS)
    words.update(data.SHAPES)
    # Words a caller plausibly sends that the captions do not use: known tokens, not [UNK].
    words.update(["the", "of", "a", "an", "and", "in", "on", "at", "with", "picture", "drawing", "shape", "object"])
    words.update([",", ".", "!", "?", "-", "'"])
    return SPECIALS + sorted(words)


def build(context_length: int) -> Tokenizer:
    vocab = {w: i for i, w in enumerate(vocabulary())}
    tok = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="[SOS] $A [EOS]", special_tokens=[("[SOS]", vocab["[SOS]"]), ("[EOS]", vocab["[EOS]"])]
    )
    tok.enable_truncation(max_length=context_length)
    tok.enable_padding(length=context_length, pad_id=PAD_ID, pad_token="[PAD]")
    return tok


def encode(tok: Tokenizer, texts):
    """(input_ids, attention_mask, truncated) as int64 arrays [N, L] and a bool array [N]."""
    encs = tok.encode_batch(list(texts))
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    truncated = np.array([len(e.overflowing) > 0 for e in encs])
    return ids, mask, truncated
