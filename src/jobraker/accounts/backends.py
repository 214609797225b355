"""Log in with an e-mail address: the API's login sends ``email``, the admin's ``username``;
both are looked up by the address's blind index (AccountManager.get_by_natural_key)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest


class EmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
        email: str | None = None, **kwargs: Any,
    ) -> Any:
        # ModelBackend hashes the password even when no account has the address (same timing).
        return super().authenticate(request, username=username or email, password=password)
