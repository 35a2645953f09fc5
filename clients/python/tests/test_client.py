"""The typed layer against a real gRPC server on loopback running a fake Multimodal service.

The fake answers what a test tells it to and records what it received, so these tests check the
client's side only: request building, result conversion, deadlines, metadata and error mapping.
The same calls against the real gateway are in test_live_gateway.py.
"""

from __future__ import annotations

import threading
from concurrent import futures
from typing import Any, Iterator

import grpc
import numpy as np
import pytest
from google.rpc import error_details_pb2, status_pb2

from mmserve import Client, FieldViolation, GalleryItem, MmserveError
from mmserve.v1 import multimodal_pb2 as pb
from mmserve.v1 import multimodal_pb2_grpc as pb_grpc


class FakeMultimodal(pb_grpc.MultimodalServicer):
    """Answers from ``responses`` or aborts with ``error``; keeps the last request and headers."""

    def __init__(self) -> None:
        self.responses: dict[str, Any] = {}
        self.error: tuple[grpc.StatusCode, str, list[tuple[str, str]]] | None = None
        self.requests: dict[str, Any] = {}
        self.metadata: dict[str, str] = {}
        self.release = threading.Event()
        self.block = False

    def _answer(self, method: str, request: Any, context: grpc.ServicerContext) -> Any:
        self.requests[method] = request
        self.metadata = {k: v for k, v in context.invocation_metadata() if isinstance(v, str)}
        if self.block:
            self.release.wait()
        if self.error is not None:
            code, message, violations = self.error
            if violations:
                bad_request = error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                        for f, d in violations
                    ]
                )
                status = status_pb2.Status(code=code.value[0], message=message)
                status.details.add().Pack(bad_request)
                context.set_trailing_metadata(
                    [("grpc-status-details-bin", status.SerializeToString())]
                )
            context.abort(code, message)
        return self.responses[method]

    def EmbedText(self, request, context):  # noqa: N802 (gRPC's names)
        return self._answer("EmbedText", request, context)

    def EmbedImage(self, request, context):  # noqa: N802
        return self._answer("EmbedImage", request, context)

    def Classify(self, request, context):  # noqa: N802
        return self._answer("Classify", request, context)

    def Rank(self, request, context):  # noqa: N802
        return self._answer("Rank", request, context)

    def Match(self, request, context):  # noqa: N802
        return self._answer("Match", request, context)

    def Search(self, request, context):  # noqa: N802
        return self._answer("Search", request, context)

    def Upsert(self, request, context):  # noqa: N802
        return self._answer("Upsert", request, context)


@pytest.fixture
def fake() -> Iterator[FakeMultimodal]:
    yield FakeMultimodal()


@pytest.fixture
def client(fake: FakeMultimodal) -> Iterator[Client]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_MultimodalServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with Client(f"127.0.0.1:{port}", metadata=[("x-team", "search")]) as c:
            yield c
    finally:
        fake.release.set()
        server.stop(grace=None)


def test_embedTexts_returnsOneFloat32RowPerText(client: Client, fake: FakeMultimodal) -> None:
    fake.responses["EmbedText"] = pb.EmbedTextResponse(
        embeddings=[pb.Embedding(values=[0.6, 0.8], index=0), pb.Embedding(values=[1, 0], index=1)]
    )

    vectors = client.embed_texts(["a", "b"], model="shapes-clip", normalize=False)

    assert vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [1, 0]], rtol=1e-6)
    assert list(fake.requests["EmbedText"].texts) == ["a", "b"]
    assert fake.requests["EmbedText"].model == "shapes-clip"
    assert fake.requests["EmbedText"].skip_normalization


def test_embedImages_sendsEachFormInOrder(client: Client, fake: FakeMultimodal, tmp_path) -> None:
    fake.responses["EmbedImage"] = pb.EmbedImageResponse(
        embeddings=[pb.Embedding(values=[1, 0], index=i) for i in range(3)]
    )
    (tmp_path / "a.png").write_bytes(b"file bytes")

    vectors = client.embed_images([tmp_path / "a.png", b"raw bytes", np.zeros((1, 2, 3), np.uint8)])

    assert vectors.shape == (3, 2)
    images = fake.requests["EmbedImage"].images
    assert [images[0].encoded, images[1].encoded] == [b"file bytes", b"raw bytes"]
    assert (images[2].raw.width, images[2].raw.height) == (2, 1)


def test_oneImageInsteadOfAList_isRefusedBeforeSending(client: Client) -> None:
    with pytest.raises(MmserveError, match="images: give a list of images, not one image"):
        client.embed_images(b"png")  # type: ignore[arg-type]


def test_badImageInAList_isNamedByItsIndex(client: Client) -> None:
    with pytest.raises(MmserveError) as raised:
        client.embed_images([b"png", np.zeros((2, 2), np.float64)])

    assert raised.value.violations[0].field == "images[1]"
    assert raised.value.method == "EmbedImage"


def test_oneStringInsteadOfAList_isRefusedBeforeSending(client: Client) -> None:
    with pytest.raises(MmserveError, match="texts: give a list of texts, not one string"):
        client.embed_texts("a red circle")  # type: ignore[arg-type]


def test_classify_returnsLabelsAndProbabilitiesBestFirst(
    client: Client, fake: FakeMultimodal
) -> None:
    fake.responses["Classify"] = pb.ClassifyResponse(
        classifications=[
            pb.Classification(
                index=0,
                scores=[
                    pb.LabelScore(label="red circle", probability=0.9, logit=20),
                    pb.LabelScore(label="blue square", probability=0.1, logit=18),
                ],
            )
        ]
    )

    [result] = client.classify([b"png"], ["blue square", "red circle"], top_k=2)

    assert result.best == "red circle"
    assert result.probability("blue square") == pytest.approx(0.1)
    assert result.logits.tolist() == [20, 18]
    assert fake.requests["Classify"].images[0].encoded == b"png"
    assert fake.requests["Classify"].top_k == 2


def test_rank_sendsTextQueryAndImageCandidates_andMarksReranked(
    client: Client, fake: FakeMultimodal
) -> None:
    fake.responses["Rank"] = pb.RankResponse(
        results=[
            pb.RankedCandidate(index=1, similarity=0.5, logit=5, reranked=True, match_probability=0.7),
            pb.RankedCandidate(index=0, similarity=0.2, logit=2),
        ]
    )

    ranked = client.rank("a red circle", [b"a", np.zeros((2, 2, 3), np.uint8)], rerank_top_k=1)

    assert [(r.index, r.match_probability) for r in ranked] == [(1, pytest.approx(0.7)), (0, None)]
    request = fake.requests["Rank"]
    assert request.query_text == "a red circle"
    assert request.candidate_images.images[1].raw.width == 2


def test_rank_ofTextCandidates_sendsThemAsTexts(client: Client, fake: FakeMultimodal) -> None:
    fake.responses["Rank"] = pb.RankResponse()

    client.rank(b"png", ["a", "b"])

    assert fake.requests["Rank"].query_image.encoded == b"png"
    assert list(fake.requests["Rank"].candidate_texts.texts) == ["a", "b"]


def test_match_returnsProbabilitiesInPairOrder(client: Client, fake: FakeMultimodal) -> None:
    fake.responses["Match"] = pb.MatchResponse(
        results=[pb.MatchResult(probability=0.25, index=0), pb.MatchResult(probability=0.75, index=1)]
    )

    probabilities = client.match([(b"a", "one"), (b"b", "two")])

    np.testing.assert_allclose(probabilities, [0.25, 0.75])
    assert fake.requests["Match"].pairs[1].text == "two"


def test_upsertAndSearch_convertItemsAndHits(client: Client, fake: FakeMultimodal) -> None:
    fake.responses["Upsert"] = pb.UpsertResponse(upserted=2, collection_size=5)
    fake.responses["Search"] = pb.SearchResponse(
        hits=[pb.SearchHit(id="r", score=0.9, metadata={"colour": "red"})]
    )

    written = client.upsert(
        "shapes",
        [GalleryItem("r", text="red", metadata={"colour": "red"}), GalleryItem("e", embedding=[1, 0])],
    )
    hits = client.search("shapes", np.array([1.0, 0.0]), top_k=3, filter='colour = "red"')

    assert (written.upserted, written.collection_size) == (2, 5)
    assert fake.requests["Upsert"].items[1].embedding.values == [1.0, 0.0]
    assert hits[0].id == "r" and hits[0].metadata == {"colour": "red"}
    assert list(fake.requests["Search"].embedding.values) == [1.0, 0.0]


def test_galleryItemWithTwoContents_isRefusedNamingTheItem(client: Client) -> None:
    with pytest.raises(MmserveError) as raised:
        client.upsert("shapes", [GalleryItem("a", text="t"), GalleryItem("b", text="t", image=b"x")])

    assert raised.value.violation("items[1]") is not None
    assert raised.value.method == "Upsert"


def test_invalidArgument_carriesCodeMessageAndFieldViolations(
    client: Client, fake: FakeMultimodal
) -> None:
    fake.error = (
        grpc.StatusCode.INVALID_ARGUMENT,
        "labels[1]: the label is empty; every label needs some text",
        [("labels[1]", "the label is empty; every label needs some text")],
    )

    with pytest.raises(MmserveError) as raised:
        client.classify([b"png"], ["red", ""])

    error = raised.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.message == "labels[1]: the label is empty; every label needs some text"
    assert error.violations == (
        FieldViolation("labels[1]", "the label is empty; every label needs some text"),
    )
    assert error.method == "Classify"
    assert "field labels[1]: the label is empty" in str(error)


def test_statusWithoutDetails_hasNoViolations(client: Client, fake: FakeMultimodal) -> None:
    fake.error = (grpc.StatusCode.UNAVAILABLE, "text-encoder-svc is unavailable", [])

    with pytest.raises(MmserveError) as raised:
        client.embed_texts(["a"])

    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    assert raised.value.violations == ()


def test_metadata_sendsTheClientsHeadersAndTheCallsHeaders(
    client: Client, fake: FakeMultimodal
) -> None:
    fake.responses["EmbedText"] = pb.EmbedTextResponse()

    client.embed_texts(["a"], metadata=[("x-request-source", "test")])

    assert fake.metadata["x-team"] == "search"
    assert fake.metadata["x-request-source"] == "test"


def test_apiKey_isSentAsABearerToken_fromTheArgumentOrTheEnvironment(
    fake: FakeMultimodal, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake.responses["EmbedText"] = pb.EmbedTextResponse()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    pb_grpc.add_MultimodalServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        monkeypatch.setenv("MMSERVE_API_KEY", "mmk_from-env")
        with Client(f"127.0.0.1:{port}", api_key="mmk_given") as c:
            c.embed_texts(["a"])
        assert fake.metadata["authorization"] == "Bearer mmk_given"
        with Client(f"127.0.0.1:{port}") as c:
            c.embed_texts(["a"])
        assert fake.metadata["authorization"] == "Bearer mmk_from-env"
        monkeypatch.setenv("MMSERVE_API_KEY", "")
        with Client(f"127.0.0.1:{port}") as c:
            c.embed_texts(["a"])
        assert "authorization" not in fake.metadata
    finally:
        server.stop(grace=None)


def test_apiKey_withSpaces_isRefusedWithoutShowingIt() -> None:
    with pytest.raises(ValueError) as e:
        Client("127.0.0.1:1", api_key="mmk_a b")
    assert "mmk_a" not in str(e.value)


def test_timeout_raisesDeadlineExceeded(client: Client, fake: FakeMultimodal) -> None:
    fake.block = True  # the fake holds the call until the test ends; only the deadline ends it
    fake.responses["EmbedText"] = pb.EmbedTextResponse()

    with pytest.raises(MmserveError) as raised:
        client.embed_texts(["a"], timeout=0.2)

    assert raised.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_unreachableGateway_raisesUnavailable() -> None:
    with socket_closed_port() as port, Client(f"127.0.0.1:{port}", timeout=5) as client:
        with pytest.raises(MmserveError) as raised:
            client.embed_texts(["a"])

    assert raised.value.code == grpc.StatusCode.UNAVAILABLE


def test_timeoutMustBePositive() -> None:
    with pytest.raises(ValueError, match="timeout must be > 0 seconds, but was 0"):
        Client("127.0.0.1:1", timeout=0)


class socket_closed_port:  # noqa: N801 (used as a context manager)
    """A loopback port that was free a moment ago and has no listener."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    def __exit__(self, *exc: object) -> None:
        pass
