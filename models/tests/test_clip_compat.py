"""The CLIP compatibility kit's committed tokenizer.json and open_clip reference ids."""

import json
import pathlib

import pytest
from tokenizers import Tokenizer

KIT = pathlib.Path(__file__).resolve().parents[1] / "clip-compat"


@pytest.fixture(scope="module")
def corpus():
    return json.loads((KIT / "corpus.json").read_text())["items"]


def test_corpus_hasAtLeast1000StringsOfEveryKind(corpus):
    texts = [c["text"] for c in corpus]
    assert len(texts) >= 1000
    assert any("&amp;" in t for t in texts) and any("🚀" in t for t in texts)
    assert any("\u3000" in t or "\t" in t for t in texts) and any(len(c["ids"]) == 77 for c in corpus)


def test_hfTokenizer_onCleanedText_equalsOpenClip(corpus):
    """open_clip cleans text (ftfy, HTML unescape, whitespace) before BPE; tokenizer.json covers the rest.

    Literal special-token strings are the known exception: open_clip reads "<start_of_text>" as its start
    token, while the HF form reads "<|endoftext|>" as the end token.
    """
    tok = Tokenizer.from_file(str(KIT / "tokenizer.json"))
    special = {"<start_of_text>", "<|endoftext|>", "<end_of_text>", "<|startoftext|>"}
    mismatches = []
    for item in corpus:
        ids = tok.encode(item["cleaned"]).ids
        eot = ids.index(49407, 1)
        if ids[: eot + 1] != item["ids"] and not any(s in item["text"] for s in special):
            mismatches.append(item["text"])
    assert mismatches == []
