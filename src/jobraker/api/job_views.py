"""Job listings: search and filters over the jobs projection; staff may post listings."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted, with_etag
from jobraker.api.pagination import NewestJobsFirst
from jobraker.api.permissions import IsStaff
from jobraker.api.query_params import validated_query
from jobraker.api.serializers import CommandAcceptedSerializer, JobListingSerializer, JobQuerySerializer, JobSerializer
from jobraker.eventstore.app import get_jobraker
from jobraker.matching.job_search import search_jobs
from jobraker.projections.models import JobRecord


class JobListView(APIView):
    """List and search jobs (full-text ``q`` plus filters), newest first, cursor-paginated.
    Staff may POST a listing; posting the same source and external id again records only changes."""

    permission_classes = [IsAuthenticated]
    pagination_class = NewestJobsFirst  # also tells the OpenAPI schema the list is cursor-paginated

    def get_permissions(self) -> list[Any]:
        return [IsAuthenticated(), IsStaff()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(parameters=[JobQuerySerializer], responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        paginator = NewestJobsFirst()
        page = paginator.paginate_queryset(search_jobs(validated_query(request, JobQuerySerializer)), request, view=self)
        return paginator.get_paginated_response(JobSerializer(page, many=True).data)

    @extend_schema(request=JobListingSerializer, responses={201: CommandAcceptedSerializer})
    def post(self, request: Request) -> Response:
        form = JobListingSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        job_id, position = run_command("staff", lambda: get_jobraker().post_job(**form.validated_data))
        return accepted(position, status.HTTP_201_CREATED, id=job_id)


class JobDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, pk: Any) -> Response:
        """A listing, or the reader's own tracked job; another candidate's tracked job is a 404."""
        job = get_object_or_404(JobRecord.with_tracked.filter(Q(owner_id__isnull=True) | Q(owner_id=request.user.id)), id=pk)
        return with_etag(Response(JobSerializer(job).data), job.version)
