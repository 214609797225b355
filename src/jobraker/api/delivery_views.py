"""How the candidate is told: the live stream of their notifications (server-sent events)
and their notification settings (e-mail, daily digest, follow-up reminders)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted
from jobraker.api.permissions import IsCandidate, IsStaff
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.api.sse import STREAM_SECONDS, EventStreamRenderer, EventStreamResponse, poll_stream, sse_event
from jobraker.api.stream_limits import held_while_streaming, open_stream_slot
from jobraker.delivery.models import NotificationSettingsRecord
from jobraker.domain.notification_settings import SWITCHES
from jobraker.eventstore.app import get_jobraker
from jobraker.projections.models import NotificationRecord

POLL_SECONDS = 0.5
BATCH = 50


class NotificationStreamView(APIView):
    """My notifications as they arrive (text/event-stream). Each event's id is its place in the
    log; reconnecting with ``Last-Event-ID`` (or ``?last_event_id=``) sends what was missed.
    Without it the stream starts at now. Streams end after a while; EventSource reconnects.
    A candidate holds at most ``JOBRAKER_STREAMS_PER_CANDIDATE`` streams at once (429 beyond)."""

    permission_classes = [IsAuthenticated, IsCandidate]
    renderer_classes = [renderers.JSONRenderer, EventStreamRenderer]
    stream_seconds = STREAM_SECONDS

    @extend_schema(
        parameters=[OpenApiParameter("Last-Event-ID", str, OpenApiParameter.HEADER, required=False)],
        responses={(200, "text/event-stream"): str},
    )
    def get(self, request: Request) -> EventStreamResponse:
        candidate_id = request.user.id
        cursor = [self._resume_from(request, candidate_id)]
        held = open_stream_slot(candidate_id)

        def fetch() -> list[bytes]:
            entries = list(
                NotificationRecord.objects.filter(candidate_id=candidate_id, position__gt=cursor[0]).order_by("position")[:BATCH]
            )
            if entries:
                cursor[0] = entries[-1].position
            return [sse_event(_as_json(e), event="notification", id=str(e.position)) for e in entries]

        events = poll_stream(fetch, interval=POLL_SECONDS, seconds=self.stream_seconds)
        return EventStreamResponse(held_while_streaming(candidate_id, held, events))

    @staticmethod
    def _resume_from(request: Request, candidate_id: Any) -> int:
        raw = request.headers.get("Last-Event-ID") or request.query_params.get("last_event_id")
        if raw is None:
            latest = NotificationRecord.objects.filter(candidate_id=candidate_id, position__isnull=False).order_by("-position").first()
            return latest.position if latest else 0
        if not raw.strip().isdigit():
            raise ParseError("Last-Event-ID must be the id of an event this stream sent (a whole number).")
        return int(raw)


def _as_json(entry: NotificationRecord) -> dict[str, Any]:
    return {
        "id": str(entry.id), "kind": entry.kind, "message": entry.message,
        "link": entry.link, "created_at": entry.created_at.isoformat(),
    }


class NotificationSettingsSerializer(StrictSerializer):
    email = serializers.BooleanField(required=False, help_text="E-mail each notification.")
    daily_digest = serializers.BooleanField(required=False, help_text="A daily digest of new matches.")
    follow_up_reminders = serializers.BooleanField(required=False, help_text="Remind me when an application has no response.")


class NotificationSettingsView(APIView):
    """What I am told and how. Every switch is on until turned off."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request: Request) -> Response:
        record = NotificationSettingsRecord.objects.filter(candidate_id=request.user.id).first()
        return Response({name: getattr(record, name) if record else True for name in SWITCHES})

    @extend_schema(request=NotificationSettingsSerializer, responses=CommandAcceptedSerializer)
    def patch(self, request: Request) -> Response:
        form = NotificationSettingsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        position = run_command(
            "candidate", lambda: get_jobraker().change_notification_settings(request.user.id, dict(form.validated_data))
        )
        return accepted(position, id=request.user.id)


class ProjectionLagView(APIView):
    """The projection-lag watchdog's last report (the scheduler checks every minute)."""

    permission_classes = [IsAuthenticated, IsStaff]

    def get(self, request: Request) -> Response:
        from jobraker.workers.watchdog import last_report

        report = last_report()
        return Response(report or {"checked_at": None, "lagging": [], "projections": []})
