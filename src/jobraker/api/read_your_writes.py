"""``X-Min-Position``: a read waits (at most ``MAX_WAIT_SECONDS``) until every projection has
reached the caller's last write.

A waiting request holds a server thread, so only callers who proved who they are may make one
wait (anonymous requests with a huge position once held every thread), and only for a position
the log has reached: a write's position is never ahead of the log's head, so a larger one is a
made-up number and answers 400 at once rather than waiting out the bound.
"""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.exceptions import AuthenticationFailed, ParseError
from rest_framework.request import Request
from rest_framework.settings import api_settings

from jobraker.eventstore.app import get_jobraker
from jobraker.projections.positions import wait_for

MIN_POSITION_HEADER = "X-Min-Position"
MAX_DIGITS = 19  # a PostgreSQL bigint


def requested_position(request: HttpRequest) -> int | None:
    """The header's position, validated; None without the header."""
    raw = request.headers.get(MIN_POSITION_HEADER)
    if raw is None:
        return None
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > MAX_DIGITS:
        raise ParseError(f"{MIN_POSITION_HEADER} must be an event position (a whole number) from a write's answer.")
    position = int(raw)
    if position > (get_jobraker().recorder.max_notification_id() or 0):
        raise ParseError(f"{MIN_POSITION_HEADER} is ahead of the event log; send the position a write answered.")
    return position


def catch_up(request: HttpRequest, projection_names: list[str]) -> bool | None:
    """Wait for the requested position; False when the bound ran out (the read may be stale)."""
    position = requested_position(request)
    return None if position is None else wait_for(position, projection_names)


def is_authenticated(request: HttpRequest) -> bool:
    """Whether the request carries valid API credentials, by the API's own authentication classes
    (the view authenticates again; this runs only for requests that ask to wait)."""
    drf_request = Request(request)
    for authenticator in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        try:
            if authenticator().authenticate(drf_request) is not None:
                return True
        except AuthenticationFailed:
            return False
    return False
