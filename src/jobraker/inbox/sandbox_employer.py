"""The sandbox employers' replies under ``jobraker up``: when an application to a sandbox
company's listing (named "… [sandbox]") is submitted through the Skyvern sandbox and the
candidate has turned on a forwarding address, the company answers with an interview invitation
by SMTP to that address — through the inbound server, as a real employer's mail would arrive —
so the inbox reads it like any other: in full automation the application moves to
interviewing, otherwise the move is proposed. Nothing here runs unless both sandboxes do."""

from __future__ import annotations

import re
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from uuid import UUID

from jobraker.config import get_settings
from jobraker.inbox.forwarding import address_of
from jobraker.inbox.models import ForwardingAddress

SANDBOX_MARK = "[sandbox]"
INTERVIEW_IN_DAYS = 7
REPLY_AFTER_SECONDS = 15  # an answer, not an echo: the submission is seen as submitted first


def replies_enabled() -> bool:
    settings = get_settings()
    return settings.skyvern_sandbox and settings.inbound_smtp_port > 0


def invitation(company: str, title: str, to: str, now: datetime) -> EmailMessage:
    when = (now + timedelta(days=INTERVIEW_IN_DAYS)).replace(hour=10, minute=0, second=0, microsecond=0)
    name = company.replace(SANDBOX_MARK, "").strip()
    message = EmailMessage()
    message["From"] = f"{name} Talent Team <talent@{_domain(name)}>"
    message["To"] = to
    message["Subject"] = f"Interview invitation: {title}"
    message["Message-ID"] = make_msgid(domain=_domain(name))
    message.set_content(
        f"Hello,\n\nThank you for applying for the {title} position at {company}. We would like to invite you to "
        f"an interview on {when:%d %B %Y} at {when:%H:%M} (video call).\n\n"
        f"Kind regards,\nThe {name} Talent Team\n\n(Sent by Jobraker's sandbox: no real employer is involved.)\n"
    )
    return message


def reply_to_submission(jobraker, application_id: UUID) -> bool:  # type: ignore[no-untyped-def]
    """Send the invitation if this is a sandbox company's listing and the candidate has a
    forwarding address; True if a mail was sent."""
    if not replies_enabled():
        return False
    application = jobraker.get_application(application_id)
    job = jobraker.get_job(application.job_id)
    if not (job.company or "").endswith(SANDBOX_MARK):
        return False
    forwarding = ForwardingAddress.objects.filter(candidate_id=application.candidate_id).first()
    if forwarding is None:
        return False
    to = address_of(forwarding)
    settings = get_settings()
    with smtplib.SMTP(settings.inbound_smtp_host, settings.inbound_smtp_port, timeout=30) as smtp:
        smtp.send_message(invitation(job.company, job.title, to, datetime.now(UTC)), to_addrs=[to])
    return True


def _domain(name: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", name.lower())) + ".example"
