"""Job alerts: my saved searches that notify me about new jobs (at once or daily), and the
unsubscribe link from their notifications and e-mails, which works without logging in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core import signing
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import IF_MATCH, run_command
from jobraker.api.command_http import accepted, expected_version, with_etag
from jobraker.api.permissions import IsCandidate
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.api.throttles import CandidateQuota
from jobraker.delivery.alerts import ONE_CLICK, alert_from_token, unsubscribe_link
from jobraker.delivery.models import JobAlertRecord
from jobraker.domain.alert import FREQUENCIES, MAX_KEYWORDS, MAX_SALARY, REMOTE_CHOICES
from jobraker.eventstore.app import get_jobraker


class CriteriaSerializer(StrictSerializer):
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_KEYWORDS, required=False,
        help_text="Every keyword must appear in the job's title, company or description.",
    )
    location = serializers.CharField(max_length=200, allow_blank=True, required=False, help_text="Part of the job's location.")
    salary_min = serializers.IntegerField(min_value=0, max_value=MAX_SALARY, allow_null=True, required=False)
    remote = serializers.ChoiceField(REMOTE_CHOICES, required=False)


class AlertCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    criteria = CriteriaSerializer()
    frequency = serializers.ChoiceField(FREQUENCIES, default="immediate")


class AlertChangeSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    criteria = CriteriaSerializer(required=False, help_text="Merged into the current criteria.")
    frequency = serializers.ChoiceField(FREQUENCIES, required=False)


class AlertSerializer(serializers.ModelSerializer):
    unsubscribe_url = serializers.SerializerMethodField()

    class Meta:
        model = JobAlertRecord
        fields = ["id", "name", "criteria", "frequency", "is_subscribed", "created_at", "updated_at", "version", "unsubscribe_url"]

    def get_unsubscribe_url(self, alert: JobAlertRecord) -> str:
        return unsubscribe_link(alert.id)


class AlertListView(APIView):
    """My job alerts (newest first); create one."""

    permission_classes = [IsAuthenticated, IsCandidate]
    throttle_classes = [CandidateQuota]
    throttle_scope = "alerts"

    @extend_schema(responses=inline_serializer("AlertList", {"results": AlertSerializer(many=True)}))
    def get(self, request: Request) -> Response:
        alerts = JobAlertRecord.objects.filter(candidate_id=request.user.id).order_by("-created_at", "id")
        return Response({"results": AlertSerializer(alerts, many=True).data})

    @extend_schema(request=AlertCreateSerializer, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = AlertCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        alert_id, position = run_command(
            "candidate",
            lambda: get_jobraker().create_alert(request.user.id, data["name"], dict(data["criteria"]), data["frequency"]),
        )
        return accepted(position, status.HTTP_201_CREATED, id=alert_id)


class AlertDetailView(APIView):
    """One of my alerts: read it, change it (If-Match optional), or unsubscribe (DELETE)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=AlertSerializer)
    def get(self, request: Request, pk: UUID) -> Response:
        alert = JobAlertRecord.objects.filter(id=pk, candidate_id=request.user.id).first()
        if alert is None:
            raise NotFound()
        return with_etag(Response(AlertSerializer(alert).data), alert.version)

    @extend_schema(request=AlertChangeSerializer, responses=CommandAcceptedSerializer, parameters=[IF_MATCH])
    def patch(self, request: Request, pk: UUID) -> Response:
        form = AlertChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        changes: dict[str, Any] = dict(form.validated_data)
        if "criteria" in changes:
            changes["criteria"] = dict(changes["criteria"])
        position = run_command(
            "candidate", lambda: get_jobraker().change_alert(pk, request.user.id, changes, expected_version(request))
        )
        return accepted(position, id=pk)

    @extend_schema(request=None, responses={200: CommandAcceptedSerializer})  # answers 200 with a body, not 204
    def delete(self, request: Request, pk: UUID) -> Response:
        position = run_command("candidate", lambda: get_jobraker().unsubscribe_alert(pk, "api", request.user.id))
        return accepted(position, id=pk)


class AlertUnsubscribeView(APIView):
    """The link in an alert's notification and e-mail, no login needed (the token is signed
    with the server's secret and expires after 90 days).

    GET only says what the link would do: mail scanners and link previews open links, and
    opening one must not unsubscribe anybody. POST with the body ``List-Unsubscribe=One-Click``
    (RFC 8058, what mail clients send for the e-mail's List-Unsubscribe header; form-encoded or
    JSON) unsubscribes. Idempotent: a second POST records nothing."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=None, responses=inline_serializer("UnsubscribeConfirmation", {
        "id": serializers.UUIDField(), "is_subscribed": serializers.BooleanField(),
        "unsubscribe": serializers.CharField(help_text="How to unsubscribe: the POST to make."),
    }))
    def get(self, request: Request, token: str) -> Response:
        alert_id = _alert_of(token)
        alert = run_command("candidate", lambda: get_jobraker().get_alert(alert_id))
        return Response({
            "id": alert_id, "is_subscribed": alert.is_subscribed,
            "unsubscribe": f"POST this URL with the body {ONE_CLICK} (form-encoded) to stop this alert.",
        })

    @extend_schema(request={"application/x-www-form-urlencoded": {"type": "object", "properties": {
        "List-Unsubscribe": {"type": "string", "enum": ["One-Click"]}}, "required": ["List-Unsubscribe"]}},
        responses=CommandAcceptedSerializer)
    def post(self, request: Request, token: str) -> Response:
        alert_id = _alert_of(token)
        if request.data.get("List-Unsubscribe") != "One-Click":
            raise ParseError(f"Send the body {ONE_CLICK} to unsubscribe (RFC 8058).")
        position = run_command("candidate", lambda: get_jobraker().unsubscribe_alert(alert_id, "link"))
        return accepted(position, id=alert_id, unsubscribed=True)


def _alert_of(token: str) -> UUID:
    try:
        return alert_from_token(token)
    except signing.SignatureExpired:
        raise NotFound("This unsubscribe link has expired; use the link in a newer message, "
                       "or unsubscribe in the app.") from None
    except (signing.BadSignature, ValueError):
        raise NotFound("This unsubscribe link is not valid.") from None
