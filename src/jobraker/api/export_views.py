"""Data exports (GDPR access and portability): requested by the candidate or by staff, built by
a worker, downloadable by the candidate (or staff) until they expire."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.accounts.models import Role
from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import Conflict, accepted
from jobraker.api.permissions import IsCandidate, IsStaff
from jobraker.api.serializers import CommandAcceptedSerializer
from jobraker.api.throttles import CandidateQuota
from jobraker.eventstore.app import get_jobraker
from jobraker.privacy.export import open_export
from jobraker.privacy.models import DataExport


def _request(candidate_id: Any, by: str) -> Response:
    export_id = uuid4()
    # Only a candidate has an export: any other id is refused before a row is made for it.
    run_command(by, lambda: get_jobraker().get_candidate(candidate_id))
    DataExport.objects.create(id=export_id, candidate_id=candidate_id, requested_by=by)
    position = run_command(by, lambda: get_jobraker().request_export(candidate_id, export_id, by))
    return accepted(position, status.HTTP_202_ACCEPTED, id=export_id)


def _visible(request: Request, export_id: UUID) -> DataExport:
    export = DataExport.objects.filter(id=export_id).first()
    if export is None or (request.user.role != Role.STAFF and export.candidate_id != request.user.id):
        raise NotFound()
    return export


class MyExportsView(APIView):
    permission_classes = [IsAuthenticated, IsCandidate]
    throttle_classes = [CandidateQuota]
    throttle_scope = "exports"

    @extend_schema(request=None, responses={202: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        return _request(request.user.id, "candidate")


class CandidateExportsView(APIView):
    """Staff start an export for a request received by other means."""

    permission_classes = [IsAuthenticated, IsStaff]

    @extend_schema(request=None, responses={202: CommandAcceptedSerializer})
    def post(self, request: Request, pk: UUID) -> Response:
        return _request(pk, "staff")


class ExportView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, pk: UUID) -> Response:
        export = _visible(request, pk)
        return Response({
            "id": str(export.id), "status": export.status, "size": export.size,
            "ready_at": export.ready_at, "expires_at": export.expires_at,
            "download": f"/api/v1/exports/{export.id}/download" if export.status == "ready" else None,
        })


class ExportDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, pk: UUID) -> HttpResponse:
        export = _visible(request, pk)
        if export.status != "ready":
            raise Conflict("The export is still being built.")
        content = open_export(get_jobraker(), export)
        if content is None:
            raise NotFound("This export has expired or its owner was erased; request a new one.")
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="jobraker-export-{export.id}.zip"'
        return response
