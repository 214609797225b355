"""Throttles beyond DRF's scoped ones: wrong passwords against one account from many addresses."""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


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
