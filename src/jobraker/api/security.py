"""Security headers Django does not set itself: a Content-Security-Policy for every response,
strict for everything but the HTML pages (the admin and the API docs page), and
``Cache-Control: no-store`` on everything that may carry personal data."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

# JSON (and anything else that is not a page) loads nothing and is never framed.
API_POLICY = "default-src 'none'; frame-ancestors 'none'"

# The only inline scripts the pages need: jazzmin's (3.0.5, with our JAZZMIN_SETTINGS), allowed
# by their sha256 rather than by 'unsafe-inline', so an injected script never runs.
# tests/api/test_security_headers.py renders every admin page and fails if one is missing here.
ADMIN_INLINE_SCRIPTS = {
    # admin/base.html and registration/base.html: light or dark theme before the first paint
    "nLEB6J7sxmSsTqwuB/NEyb2atpyjTdtHdfLxmsXvCP8=",
    # admin/change_list.html: the list filters' input lengths (none configured)
    "F7GVayJMLy0KHikNUhjbBcBE0ax/V4knxuE9lJsuA6A=",
    # registration/password_change_form.html: marks the required fields
    "DT/ci/z/ofx36DBKYq8ZBDQ2sgAnvO+SmuKGfcZ95UU=",
}
_SCRIPT_HASHES = " ".join(f"'sha256-{digest}'" for digest in sorted(ADMIN_INLINE_SCRIPTS))

# Pages: scripts from here or the hashes above (the API docs page loads its set-up script as a
# file: SpectacularSwaggerSplitView). Inline styles stay allowed: jazzmin and Swagger UI use
# style attributes and <style> blocks throughout, and a style cannot run code.
PAGE_POLICY = (
    f"default-src 'self'; script-src 'self' {_SCRIPT_HASHES}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def policy_for(response: HttpResponse) -> str:
    return PAGE_POLICY if response.get("Content-Type", "").startswith("text/html") else API_POLICY


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", policy_for(response))
        return response


# The API (tokens, profiles, applications, exports...) and the admin: never kept by a browser or
# a shared cache. The schema and the docs page carry no personal data and stay cacheable.
PERSONAL_PREFIXES = ("/api/v1/", "/admin/")


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PERSONAL_PREFIXES):
            # Django's own: "max-age=0, no-cache, no-store, must-revalidate, private" (and Expires).
            add_never_cache_headers(response)
        return response
