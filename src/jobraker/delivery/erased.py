"""Telling many candidates at once: one whose data key is gone (an erasure under way, its read
rows not yet dropped) cannot be sent anything, and must not stop the others being told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from jobraker.privacy.keyring import SubjectErased

log = structlog.get_logger(__name__)


def unless_erased(what: str, send: Callable[..., int], *args: Any) -> int:
    """``send(*args)``'s result, or 0 (logged) when its candidate has been erased."""
    try:
        return send(*args)
    except SubjectErased as erased:
        log.warning("notification_for_erased_candidate", what=what, candidate_id=str(erased))
        return 0
