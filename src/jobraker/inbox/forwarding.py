"""Forwarding addresses: instead of connecting a mailbox, a candidate gives employers (or a
forwarding rule in their own mail) an address of theirs at Jobraker's inbound domain; what
arrives there is read exactly as a mail polled from their mailbox (inbox/sync.handle_message):
matched to an application, classified, recorded on its timeline, applied or proposed.

The local part is a keyed digest of the candidate's id (``JOBRAKER_BLIND_INDEX_KEY``), so the
address names nobody and cannot be guessed from anything else; the mail itself is never stored
(``inbox/inbound_smtp.py`` receives it in memory)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from uuid import UUID

from django.db.models import F

from jobraker.config import get_settings
from jobraker.inbox.models import ForwardingAddress
from jobraker.inbox.second_opinion import mail_model
from jobraker.inbox.sync import candidacies_of, handle_message

PREFIX = "in-"


def local_part_for(candidate_id: UUID) -> str:
    digest = hmac.new(get_settings().blind_index_key_bytes, b"forwarding:" + candidate_id.bytes, hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode("ascii")[:24].lower()


def address_of(forwarding: ForwardingAddress) -> str:
    return f"{forwarding.local_part}@{get_settings().inbound_mail_domain}"


def enable(candidate_id: UUID) -> ForwardingAddress:
    """The candidate's address (the same one each time: it is derived, not drawn)."""
    forwarding, _ = ForwardingAddress.objects.get_or_create(
        candidate_id=candidate_id, defaults={"local_part": local_part_for(candidate_id)})
    return forwarding


def disable(candidate_id: UUID) -> bool:
    return ForwardingAddress.objects.filter(candidate_id=candidate_id).delete()[0] > 0


def recipient(address: str) -> UUID | None:
    """The candidate a recipient address belongs to, or None (another domain, or nobody's)."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if domain.lower() != get_settings().inbound_mail_domain.lower() or not local.lower().startswith(PREFIX):
        return None
    found = ForwardingAddress.objects.filter(local_part=local.lower()).values_list("candidate_id", flat=True).first()
    return UUID(str(found)) if found is not None else None


def receive(jobraker, candidate_id: UUID, raw: bytes) -> str:  # type: ignore[no-untyped-def]
    """Read one forwarded mail as a polled one; returns handle_message's outcome."""
    model = mail_model()
    try:
        outcome = handle_message(jobraker, candidate_id, raw, candidacies_of(jobraker, candidate_id), model)
    finally:
        if model is not None:
            model.close()
    ForwardingAddress.objects.filter(candidate_id=candidate_id).update(
        messages_received=F("messages_received") + 1, last_received_at=datetime.now(UTC))
    return outcome
