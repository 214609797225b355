"""Per-request context: request id (→ correlation id of events), logs, read-your-writes wait
for authenticated API callers (see api/read_your_writes.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import structlog
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import ParseError

from jobraker.api.problems import problem_response
from jobraker.api.read_your_writes import catch_up, is_authenticated
from jobraker.eventstore.context import caused_by
from jobraker.logs import loggable_path
from jobraker.projections.registry import all_projections

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

log = structlog.get_logger("jobraker.request")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.projection_names = [p.name for p in all_projections()]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = supplied if _SAFE_ID.match(supplied) else str(uuid.uuid4())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        caught_up = None
        try:
            caught_up = self._wait_for_min_position(request)
        except ParseError as exc:
            response = problem_response(request, 400, "Bad request", str(exc.detail))
        else:
            with caused_by(correlation_id=request_id, causation_id=request_id):
                response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        if caught_up is False or getattr(request, "projection_stale", False):
            response["X-Projection-Stale"] = "true"
        log.info(
            "request",
            method=request.method,
            path=loggable_path(request),
            status=response.status_code,
        )
        return response

    def _wait_for_min_position(self, request: HttpRequest) -> bool | None:
        """Only for authenticated API callers; the login view waits itself (after its throttle)."""
        if "X-Min-Position" not in request.headers or not is_authenticated(request):
            return None
        return catch_up(request, self.projection_names)
