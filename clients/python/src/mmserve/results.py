"""Small, immutable results of the client's calls (embeddings and scores are numpy arrays)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence

import numpy as np

from mmserve.images import ImageInput


@dataclass(frozen=True)
class Classification:
    """The label scores of one image, most probable first.

    Attributes:
        index: the image's position in the request.
        labels: the labels as given (not the prompts), most probable first.
        probabilities: float32 array, softmax over all the request's labels, in ``labels`` order.
        logits: float32 array, cosine similarity times the model's logit scale, in ``labels`` order.
    """

    index: int
    labels: tuple[str, ...]
    probabilities: np.ndarray
    logits: np.ndarray

    @property
    def best(self) -> str:
        """The most probable label."""
        return self.labels[0]

    def probability(self, label: str) -> float:
        """The probability of ``label``; KeyError if it was not returned (see ``top_k``)."""
        try:
            return float(self.probabilities[self.labels.index(label)])
        except ValueError:
            raise KeyError(label) from None


@dataclass(frozen=True)
class RankedCandidate:
    """One candidate's place in a ranking.

    Attributes:
        index: the candidate's position in the request.
        similarity: cosine similarity between the query and the candidate.
        logit: similarity times the model's logit scale.
        match_probability: the cross-modal match probability when the candidate was reranked,
            else None.
    """

    index: int
    similarity: float
    logit: float
    match_probability: Optional[float]


@dataclass(frozen=True)
class SearchHit:
    """One gallery item found by a search, most similar first.

    Attributes:
        id: the item's id.
        score: cosine similarity between the query and the item.
        metadata: the item's metadata.
        thumbnail: a small JPEG of the item's image, or b"" (see ``omit_thumbnails``).
    """

    id: str
    score: float
    metadata: Mapping[str, str]
    thumbnail: bytes


@dataclass(frozen=True)
class GalleryItem:
    """An item to store in a gallery collection: give exactly one of text, image or embedding.

    Attributes:
        id: unique within the collection; an existing id is replaced.
        text: a text the server embeds.
        image: an image the server embeds (see :data:`mmserve.images.ImageInput`).
        embedding: a ready embedding of the model's size.
        metadata: free-form strings returned with search hits.
    """

    id: str
    text: Optional[str] = None
    image: Optional[ImageInput] = None
    embedding: Optional[Sequence[float]] = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UpsertResult:
    """The outcome of an upsert: items written and the collection's size after the call."""

    upserted: int
    collection_size: int


@dataclass(frozen=True)
class CollectionInfo:
    """One gallery collection: name, model and version of its vectors, their length, its size."""

    name: str
    model: str
    model_version: str
    dimension: int
    size: int
    backend: str
