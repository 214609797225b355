"""The URL rule of ``domain/safe_url.py`` with this machine's resolver: what the API, ingestion and
the applier check before a URL is stored or sent. The domain itself never asks DNS (it stays pure);
the adapters that take URLs from outside, or send them out, do, through here."""

from __future__ import annotations

import socket

from jobraker.domain.safe_url import check_url


def resolve_addresses(host: str) -> list[str]:
    """Every address the host resolves to; none when it does not resolve."""
    try:
        return [info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]
    except (socket.gaierror, UnicodeError, OSError):
        return []


def check_public_url(url: str, field: str = "url") -> str:
    """The URL as given if it is safe, judged also by every address its host resolves to now."""
    return check_url(url, field, resolve=resolve_addresses)
