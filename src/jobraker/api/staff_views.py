"""Operational views for staff."""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.api.permissions import IsStaff
from jobraker.sources.factory import adzuna_quota


class AdzunaUsageView(APIView):
    """Calls used in each Adzuna quota window, shared by all workers."""

    permission_classes = [IsAuthenticated, IsStaff]

    def get(self, request: Request) -> Response:
        return Response(adzuna_quota().usage())
