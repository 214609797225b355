"""The client's address, for everything that counts or locks per client (DRF throttles, axes).

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as
our own proxies wrote it: with ``JOBRAKER_TRUSTED_PROXIES=N`` the N-th address from the right
(the one our outermost proxy saw), with 0 (the default) never. One rule, DRF's ``NUM_PROXIES``,
so a throttle and a lockout always agree on who the client is.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str | None:
    """The client's address under the trusted-proxy rule (settings ``REST_FRAMEWORK["NUM_PROXIES"]``)."""
    return BaseThrottle().get_ident(request) or None
