"""Security headers on every response, and CORS only for configured origins.

The Content-Security-Policy allowed inline scripts everywhere, JSON included; now JSON gets
``default-src 'none'`` and the pages allow only the inline scripts they render, by hash."""

from __future__ import annotations

import base64
import hashlib
import re

from django.test import Client, override_settings

from jobraker.api.security import API_POLICY

from ..api_helpers import signed_in
from .test_admin import staff_browser

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
EVENT_HANDLER_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def test_headers_on_api_and_admin():
    for path in ("/health/live", "/api/v1/candidates/me", "/admin/login/", "/api/docs/"):
        response = Client().get(path)
        assert "Content-Security-Policy" in response, path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Referrer-Policy"] == "same-origin", path


def test_json_gets_a_policy_that_allows_nothing(live_projector):
    owner, created, _ = signed_in()
    responses = {
        "anonymous 401": Client().get("/api/v1/candidates/me"),
        "anonymous health": Client().get("/health/live"),
        "anonymous 404": Client().get("/api/v1/no-such-endpoint"),
        "owner 200": owner.get("/api/v1/candidates/me"),
        "owner 404": owner.get("/api/v1/applications/00000000-0000-0000-0000-000000000000"),
        "schema": Client().get("/api/schema/"),
    }
    for name, response in responses.items():
        assert response["Content-Security-Policy"] == API_POLICY == "default-src 'none'; frame-ancestors 'none'", name


def script_sources(policy: str) -> list[str]:
    directive = next(d.strip() for d in policy.split(";") if d.strip().startswith("script-src"))
    return directive.split()[1:]


def assert_page_runs_only_allowed_scripts(response, path: str) -> None:
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html"), path
    allowed = script_sources(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed, path
    for script in INLINE_SCRIPT.findall(response.content.decode()):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, f"{path} runs an inline script the policy blocks: {script[:200]!r}"
    assert not EVENT_HANDLER_ATTRIBUTE.search(response.content.decode()), f"{path} has an inline event handler"


def test_admin_pages_run_without_unsafe_inline(live_projector):
    client, created, _ = signed_in(name="Policy Checked")
    browser = staff_browser()
    assert_page_runs_only_allowed_scripts(Client().get("/admin/login/"), "/admin/login/")
    for path in ("/admin/", "/admin/projections/candidaterecord/", "/admin/projections/applicationrecord/",
                 "/admin/projections/jobrecord/", "/admin/projections/notificationrecord/",
                 f"/admin/projections/candidaterecord/{created['id']}/change/", f"/admin/streams/{created['id']}/",
                 "/admin/operations/", "/admin/password_change/"):
        assert_page_runs_only_allowed_scripts(browser.get(path), path)


def test_docs_page_has_no_inline_script_and_loads_its_setup_as_a_file():
    page = Client().get("/api/docs/")
    assert_page_runs_only_allowed_scripts(page, "/api/docs/")
    assert not [s for s in INLINE_SCRIPT.findall(page.content.decode()) if s.strip()]
    setup = Client().get("/api/docs/?script=")
    assert setup.status_code == 200 and setup["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in setup.content.decode() and "SwaggerUIBundle" in setup.content.decode()


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
