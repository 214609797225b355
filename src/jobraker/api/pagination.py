from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from jobraker.projections.json_format import render_with_list

INVALID_CURSOR = "The cursor is not one this API gave out; start again without it."


class NewestFirst(CursorPagination):
    """Stable cursor pagination, newest first; ``page_size`` may be chosen up to 100.

    A cursor is client-held text: one that does not decode, or whose position is not a value
    of the ordering field, answers 400 (DRF answers 404 for the first and lets the second
    reach the database, a 500)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-created_at", "-id")
    invalid_cursor_message = INVALID_CURSOR

    def paginate_queryset(self, queryset: QuerySet, request: Request, view: Any = None) -> list[Any] | None:
        self._position_field = queryset.model._meta.get_field(self.ordering[0].lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def get_rendered_response(self, rendered: list[str]) -> HttpResponse:
        """The page whose rows are already the API's JSON text: what ``get_paginated_response``
        renders for the same rows, spliced rather than parsed and rendered again."""
        links = {"next": self.get_next_link(), "previous": self.get_previous_link()}
        return HttpResponse(render_with_list(links, "results", rendered), content_type="application/json")

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ParseError(INVALID_CURSOR) from None
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        try:
            if "\x00" in position:
                raise ValidationError("NUL")
            self._position_field.to_python(position)
        except (ValidationError, ValueError, OverflowError):
            raise ParseError(INVALID_CURSOR) from None


class NewestJobsFirst(NewestFirst):
    ordering = ("-posted_at", "-id")
