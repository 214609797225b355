"""Mail without an SMTP server: each message is written to its own file in the data folder's
outbox (readable by the owner only), and the log says only which file.

Django's console backend printed whole messages (addresses, bodies) into the process output,
which ends up in log files and terminals nothing erases. Messages about a candidate go into
a folder named by the candidate's id (the X-Jobraker-Subject header), so erasure can remove
them (privacy/erasure.py).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from pathlib import Path

import structlog
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage

from jobraker.config import get_settings

log = structlog.get_logger(__name__)

SUBJECT_HEADER = "X-Jobraker-Subject"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def outbox_dir() -> Path:
    return get_settings().outbox_dir


def subject_folder(candidate_id: uuid.UUID | str) -> Path:
    return outbox_dir() / str(candidate_id)


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            self._write(message)
        return len(email_messages)

    def _write(self, message: EmailMessage) -> None:
        subject = str(message.extra_headers.get(SUBJECT_HEADER, ""))
        folder = subject_folder(subject) if _UUID.match(subject) else outbox_dir() / "other"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        descriptor = os.open(folder / f"{message_id}.eml", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(message.message().as_bytes())
        log.info("email_written", message_id=message_id, outbox=True)
