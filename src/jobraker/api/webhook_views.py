"""Skyvern's webhook. Unsigned or wrongly signed deliveries are refused (401) and change nothing."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from pydantic import ValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jobraker.appliers.skyvern import SkyvernRun, signature_is_valid
from jobraker.appliers.webhooks import record_outcome
from jobraker.config import get_settings
from jobraker.eventstore.app import get_jobraker
from jobraker.eventstore.context import acting_as


class BadSignature(APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Missing or wrong x-skyvern-signature."


class SkyvernWebhookView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: inline_serializer("WebhookOutcome", {"run_id": serializers.CharField(), "outcome": serializers.CharField()})},
    )
    def post(self, request: Request) -> Response:
        key = get_settings().skyvern_api_key
        if key is None:
            raise NotFound("Skyvern is not configured (dry-run mode has no webhook).")
        body = request.body
        if not signature_is_valid(body, request.headers.get("x-skyvern-signature"), key.get_secret_value()):
            raise BadSignature()
        try:
            run = SkyvernRun.model_validate_json(body)
        except ValidationError as exc:
            raise ParseError(f"Not a Skyvern run: {exc.errors()[0]['msg']}") from None
        with acting_as("system"):
            outcome = record_outcome(get_jobraker(), run)
        return Response({"run_id": run.run_id, "outcome": outcome}, status=status.HTTP_200_OK)
