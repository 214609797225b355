"""The candidate's resume: upload (PDF, DOCX or text, ≤ 5 MB), download, delete.

A file that cannot be read within the parsing limits (a decompression bomb, one that takes
too long or too much memory, a damaged one) answers 422 with a title naming what was wrong;
nothing is stored."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ParseError, UnsupportedMediaType
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted
from jobraker.api.permissions import IsCandidate
from jobraker.api.problems import PROBLEM_CONTENT_TYPE, problem
from jobraker.api.serializers import CommandAcceptedSerializer
from jobraker.eventstore.app import get_jobraker
from jobraker.projections.models import CandidateRecord
from jobraker.resumes.extract import MAX_RESUME_BYTES, Reason, ResumeRejected
from jobraker.resumes.service import delete_resume, download_resume, upload_resume
from jobraker.resumes.store import ResumeStore

REFUSALS = {  # reason: (status, problem title)
    Reason.UNPACKED_TOO_LARGE: (422, "Resume too large when unpacked"),
    Reason.TOO_SLOW: (422, "Resume took too long to read"),
    Reason.TOO_MUCH_MEMORY: (422, "Resume needs too much memory to read"),
    Reason.UNREADABLE: (422, "Resume could not be read"),
    Reason.EMPTY: (422, "Resume has no text"),
    Reason.BUSY: (503, "Server busy reading resumes"),
}


class ContentTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"A resume may be at most {MAX_RESUME_BYTES // (1024 * 1024)} MB."


def resume_store() -> ResumeStore:
    return ResumeStore(get_jobraker().keyring)


class ResumeView(APIView):
    permission_classes = [IsAuthenticated, IsCandidate]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}},
        responses={201: CommandAcceptedSerializer},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise ParseError('Send the resume as multipart/form-data in a field named "file".')
        if upload.size > MAX_RESUME_BYTES:
            raise ContentTooLarge()
        data = upload.read()
        try:
            resume_id, position = run_command(
                "candidate",
                lambda: upload_resume(get_jobraker(), resume_store(), request.user.id, upload.name or "resume", data),
            )
        except ResumeRejected as exc:
            if exc.too_large:
                raise ContentTooLarge(str(exc)) from None
            if exc.unsupported:
                raise UnsupportedMediaType(upload.content_type or "unknown", detail=str(exc)) from None
            return _refused(request, exc)
        return accepted(position, status.HTTP_201_CREATED, id=resume_id)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="The resume file")})
    def get(self, request: Request) -> HttpResponse:
        record = get_object_or_404(CandidateRecord, id=request.user.id)
        content = download_resume(resume_store(), request.user.id, record.resume)
        if content is None:
            raise NotFound("No resume uploaded.")
        response = HttpResponse(content, content_type=record.resume["content_type"])
        response["Content-Disposition"] = f'attachment; filename="{_safe_filename(record.resume["filename"])}"'
        return response

    @extend_schema(request=None, responses={200: CommandAcceptedSerializer})  # answers 200 with a body, not 204
    def delete(self, request: Request) -> Response:
        position = run_command("candidate", lambda: delete_resume(get_jobraker(), resume_store(), request.user.id))
        return accepted(position, id=request.user.id)


def _refused(request: Request, rejected: ResumeRejected) -> Response:
    status_code, title = REFUSALS[rejected.reason]
    body = problem(status_code, title, str(rejected), instance=request.get_full_path())
    headers = {"Retry-After": "5"} if status_code == 503 else None
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def _safe_filename(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum() or ch in "._- ")[:100] or "resume"
