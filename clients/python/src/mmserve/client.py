"""The typed client of mmserve's public gRPC API (mmserve.v1.Multimodal)."""

from __future__ import annotations

import os
from typing import Callable, Mapping, Optional, Sequence, Tuple, TypeVar

import grpc
import numpy as np

from mmserve.errors import MmserveError
from mmserve.images import ImageInput, to_image
from mmserve.messages import gallery_item, images_of, vectors
from mmserve.results import (
    Classification,
    CollectionInfo,
    GalleryItem,
    RankedCandidate,
    SearchHit,
    UpsertResult,
)
from mmserve.v1 import multimodal_pb2 as pb
from mmserve.v1 import multimodal_pb2_grpc as pb_grpc

DEFAULT_TARGET = "127.0.0.1:50051"
"""Where ``./mmserve up`` starts the gateway; ``MMSERVE_TARGET`` overrides it."""

TARGET_ENV = "MMSERVE_TARGET"
API_KEY_ENV = "MMSERVE_API_KEY"
"""The environment variable holding the gateway's API key when ``api_key`` is not given."""
DEFAULT_TIMEOUT_SECONDS = 30.0
# answers can be as large as requests (the gateway accepts 64 MiB); gRPC's default is 4 MiB
MAX_MESSAGE_BYTES = 64 << 20

Metadata = Sequence[Tuple[str, str]]
_Response = TypeVar("_Response")


class Client:
    """A connection to the mmserve gateway; every method is one blocking gRPC call.

    Thread-safe: one client may be shared by threads. Close it (or use ``with``) to release the
    channel; a client made over a caller's ``channel`` leaves that channel open.

    Every call takes ``timeout`` (seconds; the gRPC deadline, default: the client's) and
    ``metadata`` (extra (key, value) headers sent after the client's own), and raises
    :class:`mmserve.MmserveError` on any failure.
    """

    def __init__(
        self,
        target: Optional[str] = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        metadata: Metadata = (),
        channel: Optional[grpc.Channel] = None,
        api_key: Optional[str] = None,
    ) -> None:
        """Connects (lazily) to ``target``.

        Args:
            target: the gateway's "host:port" (plaintext); default ``$MMSERVE_TARGET`` or
                ``127.0.0.1:50051``.
            timeout: default deadline of each call, in seconds; must be > 0.
            metadata: headers sent with every call, e.g. ``[("authorization", "Bearer ...")]``.
            channel: a channel to use instead of a plaintext one to ``target`` (TLS,
                interceptors); the caller keeps owning it.
            api_key: the gateway's API key, sent as ``authorization: Bearer <key>`` with every
                call; default ``$MMSERVE_API_KEY`` (none if unset or empty). Never shown in errors.
        """
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, but was {timeout}")
        self.target = target or os.environ.get(TARGET_ENV) or DEFAULT_TARGET
        self._timeout = timeout
        key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")
        if key and not all("!" <= ch <= "~" for ch in key):
            raise ValueError("api_key must be printable ASCII without spaces (the key is not shown)")
        self._metadata = ((("authorization", f"Bearer {key}"),) if key else ()) + tuple(metadata)
        self._owns_channel = channel is None
        self._channel = channel or grpc.insecure_channel(
            self.target,
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ],
        )
        self._stub = pb_grpc.MultimodalStub(self._channel)

    def close(self) -> None:
        """Closes the channel this client made (not a caller's)."""
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- embeddings

    def embed_texts(
        self,
        texts: Sequence[str],
        *,
        model: str = "",
        normalize: bool = True,
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> np.ndarray:
        """Embeds texts: a float32 array of shape (len(texts), embedding size), unit rows.

        ``normalize=False`` returns the vectors exactly as the model computes them.
        """
        if isinstance(texts, str):
            raise MmserveError.invalid_input("texts", "give a list of texts, not one string", "EmbedText")
        request = pb.EmbedTextRequest(
            texts=list(texts), model=model, skip_normalization=not normalize, request_id=request_id
        )
        response = self._call("EmbedText", self._stub.EmbedText, request, timeout, metadata)
        return vectors(response.embeddings)

    def embed_images(
        self,
        images: Sequence[ImageInput],
        *,
        model: str = "",
        normalize: bool = True,
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> np.ndarray:
        """Embeds images: a float32 array of shape (len(images), embedding size), unit rows.

        Images are paths, encoded bytes, PIL images or uint8 HWC arrays (see ``ImageInput``).
        """
        request = pb.EmbedImageRequest(
            images=images_of(images, "images", "EmbedImage"),
            model=model,
            skip_normalization=not normalize,
            request_id=request_id,
        )
        response = self._call("EmbedImage", self._stub.EmbedImage, request, timeout, metadata)
        return vectors(response.embeddings)

    # ---------------------------------------------------------------- understanding

    def classify(
        self,
        images: Sequence[ImageInput],
        labels: Sequence[str],
        *,
        prompt_template: str = "",
        top_k: int = 0,
        model: str = "",
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> list[Classification]:
        """Zero-shot classifies each image over ``labels``; one Classification per image.

        ``prompt_template`` ("a photo of a {}" when empty) makes each label's prompt; ``top_k``
        keeps the k most probable labels (0 keeps all).
        """
        request = pb.ClassifyRequest(
            images=images_of(images, "images", "Classify"),
            labels=list(labels),
            prompt_template=prompt_template,
            top_k=top_k,
            model=model,
            request_id=request_id,
        )
        response = self._call("Classify", self._stub.Classify, request, timeout, metadata)
        return [
            Classification(
                index=c.index,
                labels=tuple(s.label for s in c.scores),
                probabilities=np.array([s.probability for s in c.scores], dtype=np.float32),
                logits=np.array([s.logit for s in c.scores], dtype=np.float32),
            )
            for c in response.classifications
        ]

    def rank(
        self,
        query: str | ImageInput,
        candidates: Sequence[str] | Sequence[ImageInput],
        *,
        top_k: int = 0,
        rerank_top_k: int = 0,
        model: str = "",
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> list[RankedCandidate]:
        """Orders candidates by similarity to the query, best first.

        A ``str`` query or candidate is a text; anything else is an image (so an image file
        must be given as a ``pathlib.Path`` or bytes here). ``rerank_top_k`` reranks the k best by
        the cross-modal match probability (needs a text and images of the other modality).
        """
        request = pb.RankRequest(
            top_k=top_k, rerank_top_k=rerank_top_k, model=model, request_id=request_id
        )
        if isinstance(query, str):
            request.query_text = query
        else:
            request.query_image.CopyFrom(to_image(query, "query_image"))
        items = list(candidates)
        if items and all(isinstance(c, str) for c in items):
            request.candidate_texts.texts.extend(items)  # type: ignore[arg-type]
        else:
            request.candidate_images.images.extend(images_of(items, "candidate_images.images", "Rank"))
        response = self._call("Rank", self._stub.Rank, request, timeout, metadata)
        return [
            RankedCandidate(
                index=r.index,
                similarity=r.similarity,
                logit=r.logit,
                match_probability=r.match_probability if r.reranked else None,
            )
            for r in response.results
        ]

    def match(
        self,
        pairs: Sequence[Tuple[ImageInput, str]],
        *,
        model: str = "",
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> np.ndarray:
        """The probability that each (image, text) pair matches: float32 array of len(pairs)."""
        request = pb.MatchRequest(model=model, request_id=request_id)
        for i, (image, text) in enumerate(pairs):
            request.pairs.add(image=to_image(image, f"pairs[{i}].image"), text=text)
        response = self._call("Match", self._stub.Match, request, timeout, metadata)
        return np.array([r.probability for r in response.results], dtype=np.float32)

    def score(
        self,
        images: Sequence[ImageInput],
        texts: Sequence[str],
        *,
        model: str = "",
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> np.ndarray:
        """CLIP's logits per image: float32 array (len(images), len(texts)) of scale x cosine."""
        request = pb.ScoreRequest(
            images=images_of(images, "images", "Score"),
            texts=list(texts),
            model=model,
            request_id=request_id,
        )
        response = self._call("Score", self._stub.Score, request, timeout, metadata)
        matrix = response.logits_per_image
        return np.array(matrix.values, dtype=np.float32).reshape(matrix.rows, matrix.cols)

    # ---------------------------------------------------------------- gallery

    def upsert(
        self,
        collection: str,
        items: Sequence[GalleryItem],
        *,
        model: str = "",
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> UpsertResult:
        """Adds items to a collection (made on first use) or replaces those with the same id."""
        request = pb.UpsertRequest(collection=collection, model=model, request_id=request_id)
        for i, item in enumerate(items):
            request.items.append(gallery_item(item, f"items[{i}]"))
        response = self._call("Upsert", self._stub.Upsert, request, timeout, metadata)
        return UpsertResult(response.upserted, response.collection_size)

    def search(
        self,
        collection: str,
        query: str | ImageInput | np.ndarray,
        *,
        top_k: int = 0,
        filter: str = "",
        exact: bool = False,
        omit_thumbnails: bool = False,
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> list[SearchHit]:
        """The items of ``collection`` nearest to the query, most similar first.

        A ``str`` query is a text; a 1-D float array is a ready embedding; anything else is an
        image. ``filter`` is a metadata condition such as ``'colour = "red"'``.
        """
        request = pb.SearchRequest(
            collection=collection,
            top_k=top_k,
            filter=filter,
            exact=exact,
            omit_thumbnails=omit_thumbnails,
            request_id=request_id,
        )
        if isinstance(query, str):
            request.text = query
        elif isinstance(query, np.ndarray) and query.ndim == 1:
            request.embedding.values.extend(query.astype(np.float32).tolist())
        else:
            request.image.CopyFrom(to_image(query, "image"))
        response = self._call("Search", self._stub.Search, request, timeout, metadata)
        return [SearchHit(h.id, h.score, dict(h.metadata), h.thumbnail) for h in response.hits]

    def delete(
        self,
        collection: str,
        ids: Sequence[str],
        *,
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> int:
        """Removes items by id (unknown ids are ignored); the number removed."""
        request = pb.DeleteRequest(collection=collection, ids=list(ids), request_id=request_id)
        return self._call("Delete", self._stub.Delete, request, timeout, metadata).deleted

    def delete_collection(
        self,
        collection: str,
        *,
        request_id: str = "",
        timeout: Optional[float] = None,
        metadata: Metadata = (),
    ) -> int:
        """Removes a whole collection; the number of items it held."""
        request = pb.DeleteRequest(collection=collection, delete_collection=True, request_id=request_id)
        return self._call("Delete", self._stub.Delete, request, timeout, metadata).deleted

    def list_collections(
        self, *, timeout: Optional[float] = None, metadata: Metadata = ()
    ) -> list[CollectionInfo]:
        """The gallery's collections, by name."""
        response = self._call(
            "ListCollections",
            self._stub.ListCollections,
            pb.ListCollectionsRequest(),
            timeout,
            metadata,
        )
        return [
            CollectionInfo(c.name, c.model, c.model_version, c.dimension, c.size, c.backend)
            for c in response.collections
        ]

    # ---------------------------------------------------------------- plumbing

    def _call(
        self,
        method: str,
        rpc: Callable[..., _Response],
        request: object,
        timeout: Optional[float],
        metadata: Metadata,
    ) -> _Response:
        try:
            return rpc(
                request,
                timeout=self._timeout if timeout is None else timeout,
                metadata=self._metadata + tuple(metadata),
            )
        except grpc.RpcError as e:
            raise MmserveError.from_rpc_error(e, method) from None

