"""Query parameters, validated by a serializer that describes them (and the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

_DEFAULTS: dict[type[serializers.Serializer], dict[str, Any]] = {}


def validated_query(request: Request, described_by: type[serializers.Serializer]) -> dict[str, Any]:
    """The request's query, validated; a 400 naming what is wrong.

    Most reads of a page carry no query at all, and building a serializer's fields to validate
    nothing cost about as much as reading the page (issue 15), so an empty query takes the
    serializer's defaults, worked out once."""
    query = request.query_params.dict()
    if not query and described_by in _DEFAULTS:
        return dict(_DEFAULTS[described_by])
    params = described_by(data=query)
    params.is_valid(raise_exception=True)
    if not query:
        _DEFAULTS[described_by] = dict(params.validated_data)
    return dict(params.validated_data)
