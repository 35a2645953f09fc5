"""The one exception type of the client, with the structured details the gateway sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

# The trailer in which gRPC carries a google.rpc.Status with typed details.
_DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class FieldViolation:
    """Which request field broke which rule, from the status's google.rpc.BadRequest.

    ``field`` is a path in the request as the gateway names it: ``"labels[1]"``, ``"images[0]"``,
    ``"pairs[2].image"``, ``"prompt_template"``; ``description`` is the rule, safe to show a user.
    """

    field: str
    description: str


class MmserveError(Exception):
    """Every failure of a :class:`mmserve.Client` call.

    Raised for statuses the gateway answers (``INVALID_ARGUMENT``, ``NOT_FOUND``, ``UNAVAILABLE``,
    ``DEADLINE_EXCEEDED``, ...), for statuses made on this side (the gateway is unreachable, the
    deadline passed) and for inputs the client refuses before sending (an unreadable file, an
    array that is no image): those are ``INVALID_ARGUMENT`` with a field violation too.

    Attributes:
        code: the gRPC status code.
        message: the status description (the gateway's is safe to show a user).
        violations: the field violations of the status details, in order; empty if none.
        method: the call that failed ("Classify"), or "" when unknown.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        violations: Sequence[FieldViolation] = (),
        method: str = "",
    ) -> None:
        self.code = code
        self.message = message
        self.violations: tuple[FieldViolation, ...] = tuple(violations)
        self.method = method
        super().__init__(self._text())

    def violation(self, field: str) -> FieldViolation | None:
        """The first violation of ``field`` (exact path, e.g. ``"labels[1]"``), or None."""
        return next((v for v in self.violations if v.field == field), None)

    def _text(self) -> str:
        head = f"{self.method} failed: " if self.method else ""
        text = f"{head}{self.code.name}: {self.message}"
        for v in self.violations:
            text += f"\n  field {v.field}: {v.description}"
        return text

    @classmethod
    def invalid_input(cls, field: str, rule: str, method: str = "") -> MmserveError:
        """An INVALID_ARGUMENT the client raises itself, naming the field and the rule."""
        return cls(
            grpc.StatusCode.INVALID_ARGUMENT, f"{field}: {rule}", [FieldViolation(field, rule)], method
        )

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError, method: str = "") -> MmserveError:
        """The error of a failed call, with the BadRequest field violations of its trailers."""
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
        return cls(code, details or "", violations_in(trailers or ()), method)


def violations_in(trailers: Iterable[Any]) -> list[FieldViolation]:
    """The field violations of every google.rpc.BadRequest in a call's trailing metadata.

    Reads the ``grpc-status-details-bin`` trailer (a serialized google.rpc.Status); a trailer that
    does not parse, or details of other types, are skipped: the description still says what failed.
    """
    found: list[FieldViolation] = []
    for key, value in trailers:
        if key != _DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = status_pb2.Status()
        try:
            status.ParseFromString(value)
        except DecodeError:
            continue
        for detail in status.details:
            if not detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                continue
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend(
                FieldViolation(v.field, v.description) for v in bad_request.field_violations
            )
    return found
