"""mmserve's Python client: ``Client(target).classify(images, labels)`` and friends.

The gRPC stubs of the public API are in :mod:`mmserve.v1` (generated from proto/ and committed;
see the package README). Every failure raises :class:`MmserveError`.
"""

from mmserve.client import DEFAULT_TARGET, Client
from mmserve.errors import FieldViolation, MmserveError
from mmserve.images import ImageInput
from mmserve.results import (
    Classification,
    CollectionInfo,
    GalleryItem,
    RankedCandidate,
    SearchHit,
    UpsertResult,
)

__all__ = [
    "DEFAULT_TARGET",
    "Classification",
    "Client",
    "CollectionInfo",
    "FieldViolation",
    "GalleryItem",
    "ImageInput",
    "MmserveError",
    "RankedCandidate",
    "SearchHit",
    "UpsertResult",
]
