"""Work for an erased subject is done, not failed: nothing may be sealed or saved for them again
(the erasure barrier raises SubjectErased), so retrying could never succeed and would only fill
the dead-letter queue with messages naming them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import structlog

from jobraker.privacy.keyring import SubjectErased

log = structlog.get_logger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def done_if_erased(actor: F) -> F:
    """Under ``@dramatiq.actor``: the message finishes (acknowledged, no retry) when its subject was erased."""

    @functools.wraps(actor)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return actor(*args, **kwargs)
        except SubjectErased as erased:
            log.info("message_for_erased_subject", actor=actor.__name__, subject_id=str(erased))
            return None

    return run  # type: ignore[return-value]
