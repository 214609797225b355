"""The candidate's notifications: newest first, optionally unread only; marking one read."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.candidate_views import run_command
from jobraker.api.command_http import accepted
from jobraker.api.pagination import NewestFirst
from jobraker.api.permissions import IsCandidate
from jobraker.api.query_params import validated_query
from jobraker.api.serializers import CommandAcceptedSerializer, StrictSerializer
from jobraker.eventstore.app import get_jobraker
from jobraker.projections.models import NotificationRecord


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = NotificationRecord
        fields = ["id", "kind", "message", "link", "created_at", "read_at"]


class NotificationQuerySerializer(StrictSerializer):
    unread = serializers.BooleanField(required=False, default=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(min_value=1, max_value=100, required=False)


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated, IsCandidate]
    pagination_class = NewestFirst  # also tells the OpenAPI schema the list is cursor-paginated

    @extend_schema(parameters=[NotificationQuerySerializer], responses=NotificationSerializer(many=True))
    def get(self, request: Request) -> Response:
        records = NotificationRecord.objects.filter(candidate_id=request.user.id)
        if validated_query(request, NotificationQuerySerializer)["unread"]:
            records = records.filter(read_at__isnull=True)
        paginator = NewestFirst()
        page = paginator.paginate_queryset(records, request, view=self)
        return paginator.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated, IsCandidate]

    @extend_schema(request=None, responses=CommandAcceptedSerializer)
    def post(self, request: Request, pk: UUID) -> Response:
        position = run_command("candidate", lambda: get_jobraker().mark_notification_read(pk, request.user.id))
        return accepted(position, id=pk)
