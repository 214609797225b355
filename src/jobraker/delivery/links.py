"""Links in messages: absolute, on the configured public URL."""

from __future__ import annotations

from jobraker.config import get_settings


def absolute(path: str) -> str:
    return path if "://" in path else get_settings().public_url.rstrip("/") + path
