"""The OpenAPI schema describes every endpoint, and the docs page is served without a CDN."""

from __future__ import annotations

import yaml
from django.test import Client


def test_schema_lists_every_api_endpoint():
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    paths = set(schema["paths"])
    for path in (
        "/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/candidates/me", "/api/v1/candidates/me/profile",
        "/api/v1/candidates/me/resume", "/api/v1/jobs", "/api/v1/applications",
        "/api/v1/applications/{id}/transitions", "/api/v1/applications/{id}/notes",
    ):
        assert path in paths, path


def test_docs_page_uses_local_assets():
    page = Client().get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn.jsdelivr" not in page
