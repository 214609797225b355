"""The candidate's control over automation: the mode and strategy (with overrides),
approving or rejecting a prepared submission, and acting on many applications at once."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.automation_fields import automation_changes, legacy_automation_changes
from jobraker.api.candidate_views import IF_MATCH, run_command
from jobraker.api.command_http import POSITION_HEADER, accepted, expected_version, with_etag
from jobraker.api.permissions import IsCandidate
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.domain.application import Actor
from jobraker.domain.automation import LEVEL_NAMES, MAX_COMPANY_LIMIT, MAX_DAILY_CAP, MODES, STRATEGIES, levels_table
from jobraker.domain.candidate import AutoApplySettings
from jobraker.eventstore.app import get_jobraker
from jobraker.projections.models import CandidateRecord

MAX_BULK_ITEMS = 100
BULK_ACTIONS = ("shortlist", "approve", "reject", "withdraw")


class OverridesSerializer(StrictSerializer):
    min_score = serializers.IntegerField(min_value=0, max_value=100, allow_null=True, required=False)
    daily_cap = serializers.IntegerField(min_value=1, max_value=MAX_DAILY_CAP, allow_null=True, required=False)
    strict_filters = serializers.BooleanField(allow_null=True, required=False)
    company_limit = serializers.IntegerField(
        min_value=1, max_value=MAX_COMPANY_LIMIT, allow_null=True, required=False,
        help_text="at most this many applications to one company in 30 days",
    )


class AutomationSerializer(StrictSerializer):
    """PUT replaces the whole setting: an override left out (or null) follows the strategy."""

    mode = serializers.ChoiceField(MODES, help_text="off | suggest (matches only) | approve (approve-before-submit) | full")
    strategy = serializers.ChoiceField(list(STRATEGIES), help_text="selective | balanced | aggressive")
    overrides = OverridesSerializer(required=False)


class BulkSerializer(StrictSerializer):
    action = serializers.ChoiceField(BULK_ACTIONS)
    ids = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=MAX_BULK_ITEMS)


# Response shapes (for the OpenAPI schema).


class LevelsSerializer(serializers.Serializer):
    min_score = serializers.IntegerField()
    daily_cap = serializers.IntegerField()
    strict_filters = serializers.BooleanField()
    company_limit = serializers.IntegerField(help_text="at most this many applications to one company in 30 days")


class OverridesOutSerializer(serializers.Serializer):
    min_score = serializers.IntegerField(allow_null=True)
    daily_cap = serializers.IntegerField(allow_null=True)
    strict_filters = serializers.BooleanField(allow_null=True)
    company_limit = serializers.IntegerField(allow_null=True)


class AutomationStateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(MODES)
    strategy = serializers.ChoiceField(list(STRATEGIES))
    overrides = OverridesOutSerializer(help_text="null: the strategy's value holds")
    effective = LevelsSerializer(help_text="the values in force")
    strategies = serializers.DictField(child=LevelsSerializer(), help_text="each strategy's own levels")


class BulkItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    outcome = serializers.ChoiceField(["ok", "not_found", "invalid_transition", "conflict", "invalid"])
    status = serializers.CharField(allow_null=True, help_text="the application's status after (ok) or when refused")
    position = serializers.IntegerField(allow_null=True, help_text="event position of this item's change (ok only)")
    detail = serializers.CharField(allow_blank=True)


class BulkSummarySerializer(serializers.Serializer):
    ok = serializers.IntegerField()
    failed = serializers.IntegerField()


class BulkResultSerializer(serializers.Serializer):
    action = serializers.ChoiceField(BULK_ACTIONS)
    results = BulkItemSerializer(many=True)
    summary = BulkSummarySerializer()
    position = serializers.IntegerField(help_text="the last position written; send as X-Min-Position to read it")


class PreparedSubmissionSerializer(serializers.Serializer):
    state = serializers.ChoiceField(["awaiting", "approved", "rejected", "expired", "withdrawn"])
    expires_at = serializers.DateTimeField()
    payload = serializers.DictField(allow_null=True, help_text="exactly what would be sent to Skyvern (null once erased)")
    automation = serializers.DictField(help_text="mode, strategy and values that decided to prepare it")


def settings_of(record: CandidateRecord) -> AutoApplySettings:
    """The automation in the candidate's read row (rows from before modes carry the on/off form)."""
    row = record.auto_apply or {}
    if "mode" not in row:
        changes = legacy_automation_changes(row)
        return AutoApplySettings(
            mode=changes.get("mode", "off"),
            min_score_override=_unless(changes.get("min_score"), 70),
            daily_cap_override=_unless(changes.get("daily_cap"), 10),
        )
    overrides = row.get("overrides", {})
    return AutoApplySettings(
        row["mode"], row["strategy"], overrides.get("min_score"), overrides.get("daily_cap"), overrides.get("strict_filters"),
        overrides.get("company_limit"),
    )


def _unless(value: Any, default: Any) -> Any:
    return None if value == default else value


def automation_body(settings: AutoApplySettings) -> dict[str, Any]:
    effective = settings.effective()
    return {
        "mode": settings.mode,
        "strategy": settings.strategy,
        "overrides": {name: getattr(settings, f"{name}_override") for name in LEVEL_NAMES},
        "effective": {name: effective[name] for name in LEVEL_NAMES},
        "strategies": levels_table(),
    }


class AutomationView(APIView):
    """My automation: mode (off, suggest, approve, full), strategy (selective, balanced,
    aggressive) and overrides of the strategy's levels, with the values in force (ETag: version).
    approve and full need the auto_apply consent. /candidates/me/auto-apply is the older
    on/off form of the same setting."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=AutomationStateSerializer)
    def get(self, request: Request) -> Response:
        record = get_object_or_404(CandidateRecord, id=request.user.id)
        return with_etag(Response(automation_body(settings_of(record))), record.version)

    @extend_schema(request=AutomationSerializer, responses=CommandAcceptedSerializer, parameters=[IF_MATCH])
    def put(self, request: Request) -> Response:
        form = AutomationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        overrides = data.get("overrides", {})
        changes = {"mode": data["mode"], "strategy": data["strategy"]}
        changes.update({name: overrides.get(name) for name in LEVEL_NAMES})
        position = run_command(
            "candidate",
            lambda: get_jobraker().change_automation(request.user.id, automation_changes(changes), expected_version(request)),
        )
        return accepted(position, id=request.user.id)


def _own_application(request: Request, pk: UUID) -> None:
    """Only the candidate decides what is sent in their name; another's application is 404."""
    from jobraker.api.application_views import require_access

    require_access(request, pk)


class ApproveView(APIView):
    """Approve a prepared submission (pending_approval): exactly the payload shown in the
    application's ``prepared_submission`` is queued and sent once. 409 after it expired,
    or when automation is no longer in approve or full mode."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def post(self, request: Request, pk: UUID) -> Response:
        _own_application(request, pk)
        position = run_command(
            "candidate", lambda: get_jobraker().approve_submission(pk, Actor.CANDIDATE, timezone.now())
        )
        return accepted(position, id=pk)


class RejectView(APIView):
    """Reject a prepared submission: nothing is sent and the application is withdrawn."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def post(self, request: Request, pk: UUID) -> Response:
        _own_application(request, pk)
        position = run_command("candidate", lambda: get_jobraker().reject_submission(pk, Actor.CANDIDATE))
        return accepted(position, id=pk)


class ApplyNowView(APIView):
    """Apply now to one of my matched or shortlisted applications: in full mode it is queued and
    sent once, as any queued application; in approve mode it is prepared and waits for my
    approval (``pending_approval``). Needs a sending mode (approve or full), the auto_apply
    consent and a verified address (409 otherwise, saying which); never for a job I track
    myself, nor an expired listing (409). It counts against the company limit, but the limit
    does not refuse it: the candidate chose it. The daily cap still paces the sending."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def post(self, request: Request, pk: UUID) -> Response:
        from jobraker.appliers.factory import approval_preparer

        _own_application(request, pk)
        position = run_command("candidate", lambda: get_jobraker().apply_now(request.user.id, pk, approval_preparer()))
        return accepted(position, id=pk)


class BulkView(APIView):
    """Shortlist, approve, reject or withdraw up to 100 of my applications. Each one is its
    own command with its own events and its own result (ok with the new status and event
    position, or not_found, invalid_transition, conflict, invalid); partial success is normal.
    Answers 200 with per-item results; X-Event-Position is the last position written."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=BulkSerializer, responses=BulkResultSerializer)
    def post(self, request: Request) -> Response:
        form = BulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        outcomes = run_command(
            "candidate",
            lambda: get_jobraker().act_on_many(data["action"], data["ids"], Actor.CANDIDATE, request.user.id, timezone.now()),
        )
        results = [
            {"id": str(o.id), "outcome": o.outcome, "status": o.status, "position": o.position, "detail": o.detail}
            for o in outcomes
        ]
        position = max((o.position or 0 for o in outcomes), default=0)
        summary = {"ok": sum(o.outcome == "ok" for o in outcomes), "failed": sum(o.outcome != "ok" for o in outcomes)}
        response = Response({"action": data["action"], "results": results, "summary": summary, "position": position})
        response[POSITION_HEADER] = str(position)
        return response
