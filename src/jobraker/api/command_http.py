"""Shared plumbing for command endpoints: versions in, positions out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, PermissionDenied
from rest_framework.exceptions import NotFound as HttpNotFound
from rest_framework.request import Request
from rest_framework.response import Response

from jobraker.accounts.models import Role
from jobraker.domain.application import Actor
from jobraker.domain.errors import ApplicationExists, ConcurrentUpdate, NotFound, StaleVersion

POSITION_HEADER = "X-Event-Position"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it."


def expected_version(request: Request) -> int | None:
    """The aggregate version in ``If-Match`` (``"3"``, ``W/"3"`` or ``3``), if given."""
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ParseError('If-Match must be the version from the ETag, e.g. "3".')
    return int(value)


def accepted(position: int, code: int = status.HTTP_200_OK, **body: Any) -> Response:
    response = Response({**{k: str(v) if isinstance(v, UUID) else v for k, v in body.items()}, "position": position}, status=code)
    response[POSITION_HEADER] = str(position)
    return response


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = f'"{version}"'
    return response


def actor_of(request: Request) -> Actor:
    """Who a command is recorded as. Auditors never act; refused here too, not only by the views."""
    if request.user.role == Role.STAFF:
        return Actor.STAFF
    if request.user.role == Role.CANDIDATE:
        return Actor.CANDIDATE
    raise PermissionDenied("Auditors have read-only access.")


def translate(exc: Exception) -> Exception:
    """Domain outcomes that are HTTP statuses of their own."""
    if isinstance(exc, StaleVersion):
        return PreconditionFailed(f"Stale If-Match: {exc}.")
    if isinstance(exc, ConcurrentUpdate):
        return Conflict("Another change to this resource won the race; read it again and retry.")
    if isinstance(exc, ApplicationExists):
        return Conflict(f"You already track an application for this job ({exc.args[0]}).")
    if isinstance(exc, NotFound):
        return HttpNotFound()
    return exc
