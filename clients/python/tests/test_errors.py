"""Reading field violations out of a call's trailing metadata."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2

from mmserve import FieldViolation, MmserveError
from mmserve.errors import violations_in


def _details(*messages) -> bytes:
    status = status_pb2.Status(code=3, message="bad")
    for message in messages:
        status.details.add().Pack(message)
    return status.SerializeToString()


def test_violationsIn_readsEveryBadRequestInOrder_andSkipsOtherDetails() -> None:
    bad = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="images[0]", description="corrupt"),
            error_details_pb2.BadRequest.FieldViolation(field="top_k", description="too large"),
        ]
    )
    other = error_details_pb2.RetryInfo()

    found = violations_in([("x-other", "v"), ("grpc-status-details-bin", _details(other, bad))])

    assert found == [FieldViolation("images[0]", "corrupt"), FieldViolation("top_k", "too large")]


def test_violationsIn_ignoresATrailerThatDoesNotParse() -> None:
    assert violations_in([("grpc-status-details-bin", b"\xff\xff\xff")]) == []


def test_message_listsTheViolationsAfterTheStatus() -> None:
    error = MmserveError(
        grpc.StatusCode.INVALID_ARGUMENT, "top_k: too large", [FieldViolation("top_k", "too large")], "Rank"
    )

    assert str(error) == "Rank failed: INVALID_ARGUMENT: top_k: too large\n  field top_k: too large"
    assert error.violation("top_k") == FieldViolation("top_k", "too large")
    assert error.violation("labels") is None
