"""Registration and the candidate's own record: profile, preferences, consents, auto-apply."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from django.contrib.auth.hashers import make_password
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jobraker.accounts.models import Role
from jobraker.accounts.reservations import holder_of
from jobraker.api.automation_fields import automation_changes, legacy_automation_changes
from jobraker.api.command_http import accepted, expected_version, translate, with_etag
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
from jobraker.api.tokens import end_all_tokens
from jobraker.delivery.identity_mail import InvalidToken, candidate_of
from jobraker.domain.errors import CandidateAlreadyRegistered, DomainError
from jobraker.domain.errors import NotFound as DomainNotFound
from jobraker.eventstore.app import get_jobraker
from jobraker.eventstore.context import acting_as
from jobraker.privacy.blind_index import email_index
from jobraker.projections.models import CandidateRecord
from jobraker.projections.pipeline import pipeline_summary

log = structlog.get_logger(__name__)

IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, description='Version from the ETag, e.g. "3"; 412 if stale.')


def run_command(actor: str, command: Callable[[], Any]) -> Any:
    try:
        with acting_as(actor):
            return command()
    except DomainError as exc:
        raise translate(exc) from None


class VerifyAddressSerializer(StrictSerializer):
    token = serializers.CharField(max_length=500)


# The one answer to every well-formed registration: a new address, one in use (by a candidate,
# staff member or auditor) and one erased before all get it, so it tells nobody which it was.
REGISTRATION_ANSWER = {"detail": "Thank you. Check your inbox: we have sent a message to the address you gave."}


class RegistrationAnswerSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RegisterView(APIView):
    """Register a candidate. Always answers 202 with the same body; what happened is told by
    e-mail to the address given: a link that verifies a new address, or, for an address that
    already has an account, a note that someone tried to register it. The account can log in
    (unverified) once the projection has the event; sending applications needs a verified address."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegistrationSerializer, responses={202: RegistrationAnswerSerializer})
    def post(self, request: Request) -> Response:
        form = RegistrationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        # Hashed in every case, so that an address in use answers as slowly as a new one.
        password_hash = make_password(data["password"])
        run_command("candidate", lambda: register_or_tell_the_owner(data["email"], data["name"], password_hash))
        return Response(REGISTRATION_ANSWER, status=status.HTTP_202_ACCEPTED)


def register_or_tell_the_owner(email: str, name: str, password_hash: str) -> None:
    jobraker = get_jobraker()
    try:
        jobraker.register_candidate(email=email, name=name, password_hash=password_hash)
    except CandidateAlreadyRegistered:
        holder = holder_of(email_index(email))
        if holder is not None and holder.kind == Role.CANDIDATE:
            jobraker.note_registration_attempt(holder.subject_id)
        else:  # a staff member's or auditor's address (their accounts keep no address to write to)
            log.info("registration_for_operator_address", kind=holder.kind if holder else None)


class VerifyAddressView(APIView):
    """Verify the e-mail address with the token from the registration e-mail (GET, as the link
    does, or POST {"token": ...}). The token is the credential: no sign-in needed."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        parameters=[OpenApiParameter("token", str, OpenApiParameter.QUERY, required=True)],
        responses={200: CommandAcceptedSerializer},
    )
    def get(self, request: Request) -> Response:
        return self._verify(request.query_params.get("token", ""))

    @extend_schema(request=VerifyAddressSerializer, responses={200: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = VerifyAddressSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._verify(form.validated_data["token"])

    def _verify(self, token: str) -> Response:
        try:
            candidate_id = candidate_of(token)
            with acting_as("candidate"):
                position = get_jobraker().verify_address(candidate_id)
        except (InvalidToken, DomainError):  # tampered, expired, or for a candidate erased since
            raise ValidationError({"token": ["This link is not valid or has expired."]}) from None
        return accepted(position, detail="Your e-mail address is verified.", id=candidate_id)


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
        changes = self.changes(dict(form.validated_data))
        position = run_command("candidate", lambda: method(request.user.id, changes, expected_version(request)))
        return accepted(position, id=request.user.id)

    def changes(self, data: dict[str, Any]) -> dict[str, Any]:
        """The command's fields from the validated request."""
        return data


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
    service_method = "change_automation"

    def changes(self, data: dict[str, Any]) -> dict[str, Any]:
        return automation_changes(legacy_automation_changes(data))


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


class FileDeletionSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_null=True, help_text="run_ended, resume_changed or erasure")
    requested_at = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField(allow_null=True, help_text="deleted, gone, refused: <status> or no answer: <error>")
    deleted = serializers.BooleanField()


class SkyvernFileSerializer(serializers.Serializer):
    file_id = serializers.CharField()
    application_id = serializers.UUIDField()
    uploaded_at = serializers.DateTimeField()
    deletion = FileDeletionSerializer()


class SkyvernRecordSerializer(serializers.Serializer):
    files = SkyvernFileSerializer(many=True)
    deletion_requested = serializers.IntegerField()
    deleted = serializers.IntegerField()


class ProcessorNoteSerializer(serializers.Serializer):
    received = serializers.CharField()
    deletion = serializers.CharField(required=False)


class ErasureProcessorsSerializer(serializers.Serializer):
    skyvern = SkyvernRecordSerializer()
    chat_model = ProcessorNoteSerializer()
    embedding_model = ProcessorNoteSerializer()


class ErasureRecordSerializer(serializers.Serializer):
    candidate_id = serializers.UUIDField()
    erasure_requested = serializers.BooleanField()
    erased = serializers.BooleanField()
    processors = ErasureProcessorsSerializer()


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
    """Staff erase a candidate (for a request received by other means), and read the erasure
    record: per processor, whether deletion was requested and how it was answered."""

    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(request=None, responses={202: CommandAcceptedSerializer})
    def post(self, request: Request, pk: Any) -> Response:
        return _erase(pk, "staff")

    @extend_schema(responses=ErasureRecordSerializer)
    def get(self, request: Request, pk: Any) -> Response:
        from jobraker.privacy.processors import erasure_record

        try:
            candidate = get_jobraker().get_candidate(pk)
        except DomainNotFound:
            raise NotFound() from None
        return Response({"candidate_id": str(pk), "erasure_requested": candidate.erasure_requested or candidate.is_erased,
                         "erased": candidate.is_erased, "processors": erasure_record(pk)})


def _erase(candidate_id: Any, by: str) -> Response:
    from jobraker.privacy.erasure import erase_candidate

    end_all_tokens(candidate_id)  # at once, not when the projection drops the account
    position = run_command(by, lambda: erase_candidate(get_jobraker(), candidate_id, by))
    return accepted(position, status.HTTP_202_ACCEPTED, id=candidate_id)
