"""Registration and the candidate's own record: profile, preferences, consents, auto-apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jobraker.api.commands import accepted, expected_version, translate, with_etag
from jobraker.api.permissions import IsCandidate, IsStaff, is_staff_or_auditor
from jobraker.api.serializers import (
    AutoApplySerializer,
    CandidateSerializer,
    CommandAcceptedSerializer,
    ConsentSerializer,
    PreferencesSerializer,
    ProfileSerializer,
    RegistrationSerializer,
    StrictSerializer,
)
from jobraker.domain.errors import DomainError
from jobraker.eventstore.app import get_jobraker
from jobraker.eventstore.context import acting_as
from jobraker.projections.models import CandidateRecord
from jobraker.projections.pipeline import pipeline_summary

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='Version from the ETag, e.g. "3"; 412 if stale.')


def run_command(actor: str, command: Callable[[], Any]) -> Any:
    try:
        with acting_as(actor):
            return command()
    except DomainError as exc:
        raise translate(exc) from None


class RegisterView(APIView):
    """Register a candidate. The account can log in once the projection has the event."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegistrationSerializer, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = RegistrationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        candidate_id, position = run_command(
            "candidate",
            lambda: get_jobraker().register_candidate(
                email=data["email"], name=data["name"], password_hash=make_password(data["password"])
            ),
        )
        return accepted(position, status.HTTP_201_CREATED, id=candidate_id)


class MyCandidateView(APIView):
    """The signed-in candidate's own record (ETag: its version)."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=CandidateSerializer)
    def get(self, request: Request) -> Response:
        record = get_object_or_404(CandidateRecord, id=request.user.id)
        return with_etag(Response(CandidateSerializer(record).data), record.version)


class CandidateDetailView(APIView):
    """One candidate's record: the candidate themselves, staff or auditors."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CandidateSerializer)
    def get(self, request: Request, pk: Any) -> Response:
        if pk != request.user.id and not is_staff_or_auditor(request):
            raise NotFound()  # to another candidate, a record they may not see does not exist
        record = get_object_or_404(CandidateRecord, id=pk)
        if pk != request.user.id:
            from jobraker.api.audit_views import record_access

            record_access(request, pk, "candidate record")
        return with_etag(Response(CandidateSerializer(record).data), record.version)


class _ChangeView(APIView):
    """PATCH merges the given fields into the current value (If-Match optional)."""

    permission_classes = [IsAuthenticated, IsCandidate]
    serializer_class: type[serializers.Serializer]
    service_method: str

    def patch(self, request: Request) -> Response:
        form = self.serializer_class(data=request.data)
        form.is_valid(raise_exception=True)
        method = getattr(get_jobraker(), self.service_method)
        position = run_command(
            "candidate", lambda: method(request.user.id, dict(form.validated_data), expected_version(request))
        )
        return accepted(position, id=request.user.id)


@extend_schema(request=ProfileSerializer, responses=CommandAcceptedSerializer, parameters=[IF_MATCH])
class ProfileView(_ChangeView):
    """Change the profile: headline, skills, experience, locations, remote, salary floor, hours, contract."""

    serializer_class = ProfileSerializer
    service_method = "change_profile"


@extend_schema(request=PreferencesSerializer, responses=CommandAcceptedSerializer, parameters=[IF_MATCH])
class PreferencesView(_ChangeView):
    """Change search preferences: keywords, keywords to avoid, excluded companies, countries."""

    serializer_class = PreferencesSerializer
    service_method = "change_preferences"


@extend_schema(request=AutoApplySerializer, responses=CommandAcceptedSerializer, parameters=[IF_MATCH])
class AutoApplyView(_ChangeView):
    """Switch auto-apply and set its minimum match score and daily cap (needs auto_apply consent)."""

    serializer_class = AutoApplySerializer
    service_method = "change_auto_apply"


class ConsentsView(APIView):
    """Give a consent (terms, data_processing, auto_apply) at a version of its text."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=ConsentSerializer, responses=CommandAcceptedSerializer)
    def post(self, request: Request) -> Response:
        form = ConsentSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        position = run_command(
            "candidate", lambda: get_jobraker().give_consent(request.user.id, data["kind"], data["version"])
        )
        return accepted(position, id=request.user.id)


class ConsentView(APIView):
    """Withdraw a consent. Withdrawing auto_apply also switches auto-apply off."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses={200: CommandAcceptedSerializer})  # answers 200 with a body, not 204
    def delete(self, request: Request, kind: str) -> Response:
        position = run_command("candidate", lambda: get_jobraker().withdraw_consent(request.user.id, kind))
        return accepted(position, id=request.user.id)


class PipelineView(APIView):
    """Counts per status, response rate and median time to the first response."""

    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(responses=inline_serializer("PipelineSummary", {
        "total": serializers.IntegerField(),
        "by_status": serializers.DictField(child=serializers.IntegerField()),
        "submitted": serializers.IntegerField(),
        "responded": serializers.IntegerField(),
        "response_rate": serializers.FloatField(allow_null=True),
        "median_days_to_first_response": serializers.FloatField(allow_null=True),
    }))
    def get(self, request: Request) -> Response:
        return Response(pipeline_summary(request.user.id))


class ErasureSerializer(StrictSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class MyErasureView(APIView):
    """Erase everything held about me (re-enter the password). Irreversible: personal data
    becomes unreadable everywhere at once; the account is closed."""

    permission_classes = [IsAuthenticated, IsCandidate]
    # The password is checked here too: a stolen access token must not buy unlimited guesses.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password_check"

    @extend_schema(request=ErasureSerializer, responses={202: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = ErasureSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if not request.user.check_password(form.validated_data["password"]):
            raise PermissionDenied("The password is not right.")
        return _erase(request.user.id, "candidate")


class CandidateErasureView(APIView):
    """Staff erase a candidate (for a request received by other means)."""

    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(request=None, responses={202: CommandAcceptedSerializer})
    def post(self, request: Request, pk: Any) -> Response:
        return _erase(pk, "staff")


def _erase(candidate_id: Any, by: str) -> Response:
    from jobraker.privacy.erasure import erase_candidate

    position = run_command(by, lambda: erase_candidate(get_jobraker(), candidate_id, by))
    return accepted(position, status.HTTP_202_ACCEPTED, id=candidate_id)
