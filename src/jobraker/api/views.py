"""Candidate registration and the candidate's own record."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from jobraker.api.permissions import IsOwnerOrStaff
from jobraker.api.serializers import (
    CandidateSerializer,
    CommandAcceptedSerializer,
    RegistrationSerializer,
)
from jobraker.domain.service import CandidateAlreadyRegistered
from jobraker.eventstore.app import get_jobraker
from jobraker.eventstore.context import acting_as
from jobraker.projections.models import CandidateRecord

POSITION_HEADER = "X-Event-Position"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."


def accepted(candidate_id: object, position: int, code: int = status.HTTP_201_CREATED) -> Response:
    response = Response({"id": str(candidate_id), "position": position}, status=code)
    response[POSITION_HEADER] = str(position)
    return response


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
        try:
            with acting_as("candidate"):
                candidate_id, position = get_jobraker().register_candidate(
                    email=data["email"],
                    name=data["name"],
                    password_hash=make_password(data["password"]),
                )
        except CandidateAlreadyRegistered:
            raise Conflict("A candidate with this e-mail address is already registered.") from None
        return accepted(candidate_id, position)


class MyCandidateView(RetrieveAPIView):
    """The signed-in candidate's own record."""

    serializer_class = CandidateSerializer
    permission_classes = [IsAuthenticated]

    def get_object(self) -> CandidateRecord:
        return get_object_or_404(CandidateRecord, id=self.request.user.id)


class CandidateDetailView(RetrieveAPIView):
    """One candidate's record: the candidate themselves, staff or auditors."""

    serializer_class = CandidateSerializer
    permission_classes = [IsAuthenticated]
    queryset = CandidateRecord.objects.all()

    def get_object(self) -> CandidateRecord:
        record = get_object_or_404(self.queryset, id=self.kwargs["pk"])
        if not IsOwnerOrStaff().has_object_permission(self.request, self, record):
            # To another candidate, a record they may not see does not exist.
            raise NotFound()
        return record
