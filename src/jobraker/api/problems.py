"""Errors as RFC 9457 problem details (``application/problem+json``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from jobraker.api.command_http import translate
from jobraker.domain.errors import DomainError, IllegalTransition

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://jobraker.dev/problems/"


def problem(status_code: int, title: str, detail: str = "", **extra: Any) -> dict[str, Any]:
    slug = title.lower().replace(" ", "-")
    body = {"type": TYPE_BASE + slug, "title": title, "status": status_code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        exc = translate(exc)
    if isinstance(exc, DomainError):
        exc = _domain_to_api(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    instance = request.get_full_path() if request is not None else None
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            response.status_code,
            "Validation failed",
            "One or more fields are invalid.",
            errors=_field_errors(exc.detail),
        )
    else:
        title = _title(response.status_code)
        body = problem(response.status_code, title, _detail_text(exc))
    body["instance"] = instance
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _detail_text(exc: Exception) -> str:
    """A sentence for ``detail``. Some exceptions carry a dict (simplejwt's InvalidToken:
    ``{"detail": ..., "code": ..., "messages": [...]}``), which must not reach the client as a repr."""
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, dict):
        detail = detail.get("detail") or next(iter(detail.values()), "")
    if isinstance(detail, list):
        detail = " ".join(str(item) for item in detail)
    return str(detail)


class Unprocessable(exceptions.APIException):
    status_code = 422
    default_detail = "The request is well-formed but the business rules refuse it."


class IllegalTransitionConflict(exceptions.APIException):
    status_code = 409


def _domain_to_api(exc: DomainError) -> exceptions.APIException:
    if isinstance(exc, IllegalTransition):
        return IllegalTransitionConflict(str(exc))
    return Unprocessable(str(exc))


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    if isinstance(detail, dict):
        return [
            error
            for key, value in detail.items()
            for error in _field_errors(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
        ]
    if isinstance(detail, list):
        return [error for item in detail for error in _field_errors(item, prefix)]
    return [{"field": prefix or "non_field_errors", "message": str(detail), "code": getattr(detail, "code", "invalid")}]


def _title(status_code: int) -> str:
    phrases = {
        400: "Bad request",
        401: "Not authenticated",
        403: "Permission denied",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        412: "Precondition failed",
        413: "Content too large",
        415: "Unsupported media type",
        422: "Unprocessable content",
        429: "Too many requests",
    }
    return phrases.get(status_code, "Error")


def problem_response(request: HttpRequest, status_code: int, title: str, detail: str = "") -> JsonResponse:
    body = problem(status_code, title, detail, instance=request.get_full_path())
    return JsonResponse(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(request, status.HTTP_404_NOT_FOUND, "Not found", "No such resource.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's own refusals (handler400), which were its HTML 400 page: a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields or files) is 413; anything else 400.
    DRF views reach here too: their exception handler passes these on unhandled."""
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = f"The request body is larger than {limit:,} bytes (a resume upload may be larger: see its endpoint)."
        return problem_response(request, 413, "Content too large", detail)
    if isinstance(exception, (TooManyFieldsSent, TooManyFilesSent)):
        return problem_response(request, 413, "Content too large", "The request has too many fields or files.")
    return problem_response(request, 400, "Bad request", "The request could not be read.")


def server_error(request: HttpRequest) -> JsonResponse:
    return problem_response(request, 500, "Server error", "The error was logged; see the request id.")
