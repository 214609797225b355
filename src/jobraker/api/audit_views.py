"""Auditors (and staff) read any stream's history and any aggregate's state as of a version
or a time, rebuilt by replaying its events. Every such read is itself logged."""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.permissions import is_staff_or_auditor
from jobraker.api.query_params import validated_query
from jobraker.api.serializers import StrictSerializer
from jobraker.audit.history import history, without_secrets
from jobraker.domain.personal import ERASED
from jobraker.eventstore.app import get_jobraker

audit_log = structlog.get_logger("jobraker.audit")


class AsOfSerializer(StrictSerializer):
    version = serializers.IntegerField(min_value=1, required=False)
    at = serializers.DateTimeField(required=False)


def _require_auditor(request: Request) -> None:
    if not is_staff_or_auditor(request):
        raise PermissionDenied("Auditors and staff only.")


def record_access(request: Request, subject_id: UUID, what: str) -> None:
    """Staff and auditor reads of personal data are events too (who, in what role, what)."""
    audit_log.info("personal_data_read", subject=str(subject_id), reader=str(request.user.id), role=request.user.role, what=what)
    get_jobraker().record_access(subject_id, request.user.id, request.user.role, what)


def subject_of(events: list[Any], stream: UUID) -> UUID:
    first = events[0] if events else None
    return getattr(first, "candidate_id", None) or stream


def _plain(value: Any) -> Any:
    if value is ERASED:
        return "<erased>"
    if is_dataclass(value):
        return {k: _plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (UUID, datetime)) or hasattr(value, "value"):
        return getattr(value, "value", str(value)) if not isinstance(value, datetime) else value.isoformat()
    return value


class StreamEventsView(APIView):
    """A stream's events: type, version, time, actor, correlation and causation ids, data."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID) -> Response:
        _require_auditor(request)
        entries = history(get_jobraker(), pk)
        if not entries:
            raise NotFound("No such stream.")
        record_access(request, subject_of([e.event for e in entries], pk), f"events of stream {pk}")
        events = [
            {"version": e.version, "type": e.type, "at": e.at, "actor": e.metadata.get("actor"),
             "correlation_id": e.metadata.get("correlation_id"), "causation_id": e.metadata.get("causation_id"),
             "data": {k: _plain(v) for k, v in e.data.items()}}
            for e in entries
        ]
        return Response({"stream": str(pk), "events": events})


class StreamStateView(APIView):
    """The aggregate as it was at a version or a time (default: now), rebuilt by replay."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[AsOfSerializer])
    def get(self, request: Request, pk: UUID) -> Response:
        _require_auditor(request)
        query = validated_query(request, AsOfSerializer)
        entries = history(get_jobraker(), pk)
        if not entries:
            raise NotFound("No such stream.")
        version = query.get("version")
        at = query.get("at")
        aggregate = None
        for e in entries:
            if (version and e.version > version) or (at and e.at > at):
                break
            aggregate = e.event.mutate(aggregate)
        if aggregate is None:
            raise NotFound("The stream did not exist yet at that point.")
        record_access(request, subject_of([entries[0].event], pk), f"state of stream {pk} at version {aggregate.version}")
        state = {k: _plain(v) for k, v in without_secrets(vars(aggregate)).items() if not k.startswith("_")}
        return Response({"stream": str(pk), "type": type(aggregate).__name__, "version": aggregate.version, "state": state})
