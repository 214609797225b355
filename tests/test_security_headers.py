"""Security headers on every response, and CORS only for configured origins."""

from __future__ import annotations

from django.test import Client, override_settings


def test_headers_on_api_and_admin():
    for path in ("/health/live", "/api/v1/candidates/me", "/admin/login/", "/api/docs/"):
        response = Client().get(path)
        assert "default-src 'self'" in response["Content-Security-Policy"], path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Referrer-Policy"] == "same-origin", path


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.org"])
def test_cors_only_for_configured_origins():
    allowed = Client().options(
        "/api/v1/jobs", HTTP_ORIGIN="https://app.example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.org"
    refused = Client().options(
        "/api/v1/jobs", HTTP_ORIGIN="https://evil.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert "Access-Control-Allow-Origin" not in refused
