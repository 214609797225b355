"""Applications: the candidate's pipeline, each application's timeline, and the moves
a candidate makes (shortlist, applied, interview, offer, rejection, withdraw, notes)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.application_rows import ApplicationPage, application_detail
from jobraker.api.automation_views import PreparedSubmissionSerializer
from jobraker.api.candidate_views import IF_MATCH, run_command
from jobraker.api.command_http import accepted, actor_of, expected_version, with_etag
from jobraker.api.pagination import NewestFirst
from jobraker.api.permissions import AuditorsOnlyRead, IsCandidate, is_staff_or_auditor
from jobraker.api.query_params import validated_query
from jobraker.api.serializers import (
    ApplicationDetailSerializer,
    ApplicationQuerySerializer,
    ApplicationSerializer,  # the list's shape, for the OpenAPI schema
    CommandAcceptedSerializer,
    ManualApplicationSerializer,
    NoteSerializer,
    TransitionSerializer,
)
from jobraker.domain.application import Application
from jobraker.domain.errors import NotFound as DomainNotFound
from jobraker.domain.fabrication import Claim, Verdict
from jobraker.eventstore.app import get_jobraker


def require_access(request: Request, pk: UUID) -> None:
    """Commands check ownership on the aggregate itself, so a lagging projection never hides it."""
    try:
        application = get_jobraker().get_application(pk)
    except DomainNotFound:
        raise NotFound() from None
    if application.candidate_id != request.user.id and not is_staff_or_auditor(request):
        raise NotFound()


class ApplicationListView(APIView):
    """The pipeline: filter by status, company and creation date; newest first.
    POST tracks an application the candidate makes themselves."""

    permission_classes = [IsAuthenticated, AuditorsOnlyRead]
    pagination_class = NewestFirst  # also tells the OpenAPI schema the list is cursor-paginated

    def get_permissions(self) -> list[Any]:
        if self.request.method == "POST":
            return [IsAuthenticated(), IsCandidate()]
        return [IsAuthenticated()]

    @extend_schema(parameters=[ApplicationQuerySerializer], responses=ApplicationSerializer(many=True))
    def get(self, request: Request) -> HttpResponse:
        query = validated_query(request, ApplicationQuerySerializer)
        reader = None if is_staff_or_auditor(request) else request.user.id
        paginator = NewestFirst()
        page = paginator.paginate_queryset(ApplicationPage.of(reader, query), request, view=self)
        return paginator.get_rendered_response([row.json for row in page])

    @extend_schema(request=ManualApplicationSerializer, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = ManualApplicationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        jobraker = get_jobraker()

        def track() -> tuple[UUID, int]:
            job_id = data.get("job_id") or self._manual_job(request.user.id, data)
            return jobraker.track_application(request.user.id, job_id, applied=data["applied"])

        application_id, position = run_command("candidate", track)
        return accepted(position, status.HTTP_201_CREATED, id=application_id)

    def _manual_job(self, candidate_id: UUID, data: dict[str, Any]) -> UUID:
        """A job the candidate found elsewhere: their private tracked job (never a listing),
        identified by its URL (or title and company), never changed by a later request."""
        identity = data.get("url") or f"{data['company']}|{data['title']}".lower()
        fields = {k: data[k] for k in ("title", "company", "url", "location") if k in data}
        return get_jobraker().track_job(candidate_id, identity, **fields)


class InventedClaimSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(["employer", "title", "degree", "certification", "skill", "years"])
    text = serializers.CharField()


class CoverLetterSerializer(serializers.Serializer):
    text = serializers.CharField(allow_null=True, help_text="the letter (null once the candidate is erased)")
    passed = serializers.BooleanField(help_text="the fabrication guard found nothing invented; only then is it sent")
    invented = InventedClaimSerializer(many=True, allow_null=True, help_text="what the letter claims that your data does not hold")
    refusal = serializers.CharField(allow_blank=True)
    model = serializers.CharField()


class ApplicationWithPreparationSerializer(ApplicationDetailSerializer):
    """The detail as answered: with the submission prepared for approval, if there is one."""

    prepared_submission = PreparedSubmissionSerializer(allow_null=True, read_only=True)
    cover_letter = CoverLetterSerializer(allow_null=True, read_only=True)

    class Meta(ApplicationDetailSerializer.Meta):
        fields = [*ApplicationDetailSerializer.Meta.fields, "prepared_submission", "cover_letter"]


class ApplicationDetailView(APIView):
    """One application with its timeline and, in approve mode, the prepared submission
    (ETag: its version)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ApplicationWithPreparationSerializer)
    def get(self, request: Request, pk: UUID) -> Response:
        data = application_detail(pk, None if is_staff_or_auditor(request) else request.user.id)
        if data is None:
            raise NotFound()
        # Both live only in the application's events (personal data): load them once, and only
        # when the timeline shows there is something to read.
        actions = {entry["action"] for entry in data["timeline"]}
        application = get_jobraker().get_application(pk) if actions & {"prepare_submission", "cover_letter"} else None
        data["prepared_submission"] = prepared_submission(application) if "prepare_submission" in actions else None
        data["cover_letter"] = cover_letter(application) if "cover_letter" in actions else None
        return with_etag(Response(data), data["version"])


def cover_letter(application: Application) -> dict[str, Any] | None:
    """The last cover letter written for the application and the guard's verdict, read (decrypted)
    from the application's own events; null without one, and the text null after erasure."""
    review = application.cover_letter
    if review is None:
        return None
    text = review["letter"] if isinstance(review["letter"], str) else None
    invented = review["invented"] if isinstance(review["invented"], list) else None
    verdict = Verdict(invented=tuple(Claim(**c) for c in invented or ()))
    return {"text": text, "passed": review["passed"], "invented": invented, "refusal": verdict.refusal(),
            "model": review["model"]}


def prepared_submission(application: Application) -> dict[str, Any] | None:
    """What approve mode prepared for the candidate to approve. The payload is personal data,
    so it is read (decrypted) from the application's own events rather than copied into a
    read table; after erasure it reads as null."""
    preparation = application.preparation
    if preparation is None:
        return None
    payload = preparation.payload if isinstance(preparation.payload, dict) else None
    return {
        "state": preparation.state,
        "expires_at": preparation.expires_at.isoformat(),
        "payload": payload,
        "automation": preparation.automation,
    }


class ApplicationTransitionView(APIView):
    """Move an application: shortlist, mark_applied, schedule_interview (with ``at``),
    record_offer, record_rejection, withdraw. Illegal moves answer 409 naming the state."""

    permission_classes = [IsAuthenticated, AuditorsOnlyRead]

    @extend_schema(request=TransitionSerializer, responses=CommandAcceptedSerializer, parameters=[IF_MATCH])
    def post(self, request: Request, pk: UUID) -> Response:
        require_access(request, pk)
        form = TransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        details = {k: v for k, v in form.validated_data.items() if k != "action"}
        actor = actor_of(request)
        position = run_command(
            actor.value,
            lambda: get_jobraker().move_application(
                pk, form.validated_data["action"], actor, expected_version(request), **details
            ),
        )
        return accepted(position, id=pk)


class ApplicationNotesView(APIView):
    """Add a note to an application's timeline."""

    permission_classes = [IsAuthenticated, AuditorsOnlyRead]

    @extend_schema(request=NoteSerializer, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request, pk: UUID) -> Response:
        require_access(request, pk)
        form = NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        actor = actor_of(request)
        position = run_command(
            actor.value, lambda: get_jobraker().add_note(pk, form.validated_data["text"], actor)
        )
        return accepted(position, status.HTTP_201_CREATED, id=pk)
