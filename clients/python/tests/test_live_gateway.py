"""The client against a live gateway (MMSERVE_TEST_TARGET) serving the bundled shapes-clip pack.

stack-it's PythonClientIT starts the local stack as `./mmserve up` does and runs this file; by
hand: `./mmserve up` in one terminal, `MMSERVE_TEST_TARGET=127.0.0.1:50051 pytest tests` in another.
"""

from __future__ import annotations

import pathlib
import uuid

import grpc
import numpy as np
import pytest
from PIL import Image

from mmserve import Client, GalleryItem, MmserveError

pytestmark = pytest.mark.integration

LABELS = ["red circle", "blue square", "green triangle"]


@pytest.fixture(scope="module")
def client(target: str):
    with Client(target, timeout=60) as c:
        yield c


def test_embedTexts_returnsUnitRowsOfTheModelsSize(client: Client) -> None:
    vectors = client.embed_texts(["a red circle", "a blue square", ""])

    assert vectors.dtype == np.float32
    assert vectors.shape[0] == 3 and vectors.shape[1] > 0
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_embedImages_givesOneVectorWhateverTheImagesForm(
    client: Client, pictures: pathlib.Path
) -> None:
    path = pictures / "red-circle.png"
    pil = Image.open(path).convert("RGB")

    vectors = client.embed_images([path, path.read_bytes(), pil, np.asarray(pil)])

    texts = client.embed_texts(["a red circle"])
    assert vectors.shape == (4, texts.shape[1])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # a PNG is lossless: its decoded pixels and its file give the same embedding
    for row in vectors[1:]:
        np.testing.assert_allclose(row, vectors[0], atol=1e-4)


def test_classify_picksTheShapeInThePicture(client: Client, pictures: pathlib.Path) -> None:
    results = client.classify(
        [pictures / "red-circle.png", pictures / "blue-square.png"],
        LABELS,
        prompt_template="a {}",
    )

    assert [r.best for r in results] == ["red circle", "blue square"]
    assert [r.index for r in results] == [0, 1]
    assert results[0].probabilities.sum() == pytest.approx(1.0, abs=1e-4)


def test_rank_ordersPicturesByTheText(client: Client, pictures: pathlib.Path) -> None:
    candidates = [pictures / "blue-square.png", pictures / "red-circle.png"]

    ranked = client.rank("a red circle", candidates, rerank_top_k=2)

    assert ranked[0].index == 1
    assert all(r.match_probability is not None for r in ranked)


def test_match_scoresTheRightCaptionHigher(client: Client, pictures: pathlib.Path) -> None:
    picture = pictures / "red-circle.png"

    right, wrong = client.match([(picture, "a red circle"), (picture, "a blue square")])

    assert 0.0 <= wrong < right <= 1.0


def test_upsertSearchDelete_roundTripsAGalleryCollection(
    client: Client, pictures: pathlib.Path
) -> None:
    collection = f"pyclient-{uuid.uuid4().hex[:8]}"
    items = [
        GalleryItem("red", image=pictures / "red-circle.png", metadata={"colour": "red"}),
        GalleryItem("blue", image=pictures / "blue-square.png", metadata={"colour": "blue"}),
    ]
    try:
        assert client.upsert(collection, items).collection_size == 2

        hits = client.search(collection, "a red circle", top_k=2, omit_thumbnails=True)
        filtered = client.search(collection, "a red circle", filter='colour = "blue"')

        assert [h.id for h in hits] == ["red", "blue"]
        assert hits[0].metadata == {"colour": "red"}
        assert [h.id for h in filtered] == ["blue"]
        assert client.delete(collection, ["blue"]) == 1
    finally:
        client.delete_collection(collection)


def test_invalidRequest_raisesInvalidArgumentNamingTheField(
    client: Client, pictures: pathlib.Path
) -> None:
    with pytest.raises(MmserveError) as raised:
        client.classify([pictures / "red-circle.png"], ["red circle", ""])

    error = raised.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    violation = error.violation("labels[1]")
    assert violation is not None, error.violations
    assert "empty" in violation.description


def test_corruptImage_isNamedByItsPlaceInTheRequest(client: Client, pictures: pathlib.Path) -> None:
    with pytest.raises(MmserveError) as raised:
        client.embed_images([pictures / "red-circle.png", b"not an image at all"])

    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in raised.value.violations][0].startswith("images[1]")


def test_unknownCollection_raisesNotFound(client: Client) -> None:
    with pytest.raises(MmserveError) as raised:
        client.search(f"missing-{uuid.uuid4().hex[:8]}", "a red circle")

    assert raised.value.code == grpc.StatusCode.NOT_FOUND
