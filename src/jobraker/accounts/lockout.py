"""django-axes' lockout, for the admin login only.

Axes' signal handlers see every failed ``authenticate()``, including the API's JWT login, which
DRF throttles on its own. Counting those too would let wrong API passwords from a shared address
lock staff out of the admin, so failures elsewhere are not counted here."""

from __future__ import annotations

from typing import Any

from axes.handlers.cache import AxesCacheHandler


class AdminLoginLockout(AxesCacheHandler):
    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        if request is not None and not self.is_admin_request(request):
            return
        super().user_login_failed(sender, credentials, request, **kwargs)
