"""One log line per failed attempt of a Dramatiq message: its actor, message id, attempt and
reason, and whether it will be retried or went to the dead-letter queue.

Dramatiq's own lines say neither the actor nor the reason, and print a full traceback on every
attempt; ``jobraker.logs`` drops those (see ``DramatiqRetryNoise``) in favour of this one.
"""

from __future__ import annotations

import dramatiq
import structlog

log = structlog.get_logger(__name__)

# Exceptions whose text we write ourselves or that name no person: their message is the reason.
# Others (a database error may quote a row) are named by type only.
_SPEAKING_MODULES = ("jobraker.", "httpx", "redis.", "dramatiq.", "builtins")
REASON_CHARS = 200


def reason(exception: BaseException) -> str:
    kind = type(exception)
    module = kind.__module__ or ""
    text = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
    if text and (module + ".").startswith(_SPEAKING_MODULES):
        return f"{kind.__name__}: {text}"[:REASON_CHARS]
    return kind.__name__


class RetryLog(dramatiq.Middleware):
    """Add *before* Dramatiq's Retries middleware: ``after_*`` hooks run in reverse order, so
    Retries has then counted the attempt and decided between a retry and the dead letters."""

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result: object = None, exception: BaseException | None = None) -> None:
        if exception is None:
            return
        fields = {
            "actor": message.actor_name,
            "message_id": message.message_id,
            "queue": message.queue_name.removesuffix(".DQ"),
            "attempt": message.options.get("retries", 0),
            "reason": reason(exception),
        }
        if message.failed:
            # The one traceback worth keeping: the message will not be tried again.
            log.error("dramatiq_dead_lettered", **fields, exc_info=exception)
        else:
            log.warning("dramatiq_retry", **fields)
