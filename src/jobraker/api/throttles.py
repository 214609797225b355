"""Throttles beyond DRF's scoped ones: login attempts per account, and per-candidate quotas."""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle


class LoginAccountThrottle(SimpleRateThrottle):
    """Login attempts per account tried, whatever address they come from (the per-address
    ``login`` scope alone lets a botnet guess one account's password). Keyed on a hash of the
    e-mail, so no address sits in Redis."""

    scope = "login_account"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


class CandidateQuota(ScopedRateThrottle):
    """A per-caller quota (the view's ``throttle_scope``) on what costs the server work or
    storage: creating exports, alerts and conversations, running semantic searches. Reads of
    what already exists (``GET`` on a list that also takes ``POST``) are not counted unless the
    view marks its reads costly with ``quota_reads = True``."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS and not getattr(view, "quota_reads", False):
            return True
        return super().allow_request(request, view)
