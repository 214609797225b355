"""``jobraker inbound-mail``: the SMTP server forwarding addresses are delivered to (aiosmtpd).

It accepts mail only for forwarding addresses that exist (550 for any other recipient, so it
relays nothing), refuses messages over ``MAX_MESSAGE_BYTES`` (552), reads each accepted mail
while the sender waits (inbox/forwarding.receive) and answers 451 when it could not, so the
sending server tries again later and nothing is lost. The mail is held in memory only.

In production it sits behind the operator's MX (or a forwarding rule) on a private port;
``jobraker up`` runs it on a free loopback port for the sandbox employers' replies."""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from uuid import UUID

import structlog
from aiosmtpd.controller import Controller
from django.db import close_old_connections

from jobraker.inbox import forwarding

log = structlog.get_logger(__name__)

MAX_MESSAGE_BYTES = 2 * 1024 * 1024  # employers' replies; attachments beyond that are not read anyway
MAX_RECIPIENTS = 20


class ForwardedMail:
    """aiosmtpd handler: each hook's database work runs in a worker thread (Django is synchronous)."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            candidate = await asyncio.to_thread(_in_thread, forwarding.recipient, address)
        except Exception:  # noqa: BLE001  (the database away: the sender retries)
            log.warning("inbound_mail_lookup_failed", exc_info=True)
            return "451 4.3.0 Try again later"
        if candidate is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        try:
            for address in envelope.rcpt_tos:
                candidate = await asyncio.to_thread(_in_thread, forwarding.recipient, address)
                if candidate is not None:
                    outcome = await asyncio.to_thread(_in_thread, _receive, candidate, raw)
                    log.info("inbound_mail_received", candidate_id=str(candidate), outcome=outcome, size=len(raw))
        except Exception:  # noqa: BLE001  (not read: the sender keeps it and retries)
            log.warning("inbound_mail_failed", exc_info=True)
            return "451 4.3.0 Try again later"
        return "250 Message accepted"


def _in_thread(function: Any, *args: Any) -> Any:
    close_old_connections()  # a connection the database dropped since this thread's last mail
    return function(*args)


def _receive(candidate_id: UUID, raw: bytes) -> str:
    from jobraker.eventstore.app import get_jobraker

    return forwarding.receive(get_jobraker(), candidate_id, raw)


def controller(host: str, port: int) -> Controller:
    return Controller(ForwardedMail(), hostname=host, port=port, data_size_limit=MAX_MESSAGE_BYTES,
                      decode_data=False, server_hostname="jobraker-inbound")


def serve(host: str, port: int, stop: threading.Event) -> None:
    """Receive until ``stop`` is set."""
    server = controller(host, port)
    server.start()
    log.info("inbound_mail_listening", host=host, port=port)
    try:
        stop.wait()
    finally:
        server.stop()
