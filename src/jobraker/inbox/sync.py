"""Reading a candidate's mailbox over IMAP (stdlib ``imaplib``) and recording what employers wrote.

Each poll opens a fresh connection, SELECTs the INBOX read-only and fetches with ``BODY.PEEK``
(nothing is marked read), and closes it: a server that restarted, or dropped the connection,
is simply connected to again on the next poll, and a failed poll leaves an error code on the
mailbox (never the server's words, which may quote the user name).

Nothing is read twice: the mailbox keeps the UIDVALIDITY it read under and the last UID read.
UIDs are only comparable within one UIDVALIDITY (RFC 3501 2.3.1.1), so when it changes the
window is read again and every message is recognised by the keyed digest of its Message-ID
(``SeenMessage``), which also catches the same mail delivered twice. The first poll (and a
re-read) looks back ``LOOKBACK_DAYS`` only.

A message about one of the candidate's applications (inbox/matching.py) is classified
(inbox/classify.py) and recorded on it as ``Application.MailReceived``: sender domain, class,
subject line, interview date; never the body. A mail the rules call "other" goes to the chat
model, when one is configured, for a second opinion (inbox/second_opinion.py). In full
automation the move the rules' reading implies is applied at once; a model's reading, and any
reading outside full automation, stays proposed on the timeline for the candidate to confirm."""

from __future__ import annotations

import hashlib
import hmac
import imaplib
import re
import ssl
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.errors import MessageError
from email.message import EmailMessage
from email.utils import parseaddr
from uuid import UUID

import structlog
from django.db import IntegrityError, transaction

from jobraker.config import get_settings
from jobraker.domain.application import MAIL_MOVES, Application
from jobraker.domain.commands.applications import EmployerMail
from jobraker.domain.errors import ConcurrentUpdate, DomainError
from jobraker.inbox.classify import classify
from jobraker.inbox.mailboxes import Connection, check_connection, connection_of
from jobraker.inbox.matching import Candidacy, best_match
from jobraker.inbox.models import Mailbox, SeenMessage
from jobraker.inbox.second_opinion import Completes, mail_model, second_opinion
from jobraker.projections.models import ApplicationRecord

log = structlog.get_logger(__name__)

LOOKBACK_DAYS = 30
BATCH = 200  # messages per poll at most; the next poll goes on where this one stopped
TIMEOUT_SECONDS = 30
BODY_CHARS = 20_000  # what the rules read of a body (never stored)
# What one malformed mail can raise while it is parsed and judged (not a failure of the poll).
UNREADABLE = (DomainError, ValueError, LookupError, TypeError, UnicodeError, MessageError)


class MailboxError(Exception):
    """A poll failed; ``code`` says how, in words fit for a log line and the API."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PollResult:
    read: int = 0
    recorded: int = 0
    duplicates: int = 0
    unmatched: int = 0
    unreadable: int = 0
    uidvalidity_changed: bool = False


@contextmanager
def open_imap(connection: Connection) -> Iterator[imaplib.IMAP4]:
    try:
        check_connection(connection)  # again: the rules (or what the name resolves to) may have changed
    except DomainError as exc:
        raise MailboxError("host_refused") from exc
    try:
        if connection.security == "ssl":
            imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(connection.host, connection.port, ssl_context=ssl.create_default_context(),
                                                    timeout=TIMEOUT_SECONDS)
        else:
            imap = imaplib.IMAP4(connection.host, connection.port, timeout=TIMEOUT_SECONDS)
            if connection.security == "starttls":
                imap.starttls(ssl.create_default_context())
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError("unreachable") from exc
    try:
        try:
            imap.login(connection.user, connection.password)
        except imaplib.IMAP4.abort as exc:
            raise MailboxError("connection_lost") from exc
        except imaplib.IMAP4.error as exc:
            raise MailboxError("login_refused") from exc
        yield imap
    except imaplib.IMAP4.abort as exc:
        raise MailboxError("connection_lost") from exc
    except OSError as exc:
        raise MailboxError("connection_lost") from exc
    finally:
        try:
            imap.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def poll_mailbox(jobraker, candidate_id: UUID) -> PollResult:  # type: ignore[no-untyped-def]
    """Read what is new in the candidate's INBOX; records the outcome on the mailbox row.
    Raises ``MailboxError`` after recording it (the actor decides about retrying)."""
    mailbox = Mailbox.objects.filter(candidate_id=candidate_id).first()
    connection = connection_of(mailbox) if mailbox is not None else None
    if mailbox is None or connection is None:
        return PollResult()
    try:
        with open_imap(connection) as imap:
            result = _read_new(jobraker, imap, mailbox)
    except MailboxError as exc:
        Mailbox.objects.filter(candidate_id=candidate_id).update(
            last_error=exc.code, failures=mailbox.failures + 1, last_polled_at=_now())
        raise
    Mailbox.objects.filter(candidate_id=candidate_id).update(last_error="", failures=0, last_polled_at=_now())
    return result


def _read_new(jobraker, imap: imaplib.IMAP4, mailbox: Mailbox) -> PollResult:  # type: ignore[no-untyped-def]
    status, _ = imap.select("INBOX", readonly=True)
    if status != "OK":
        raise MailboxError("no_inbox")
    uidvalidity = int(imap.response("UIDVALIDITY")[1][0])
    changed = mailbox.uidvalidity is not None and mailbox.uidvalidity != uidvalidity
    if mailbox.uidvalidity != uidvalidity:  # first poll, or a new UID epoch: read the window again
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
    uids = _new_uids(imap, mailbox.last_uid)[:BATCH]
    candidacies = candidacies_of(jobraker, mailbox.candidate_id) if uids else []
    counts = {"read": 0, "recorded": 0, "duplicates": 0, "unmatched": 0, "unreadable": 0}
    model = mail_model() if uids else None
    try:
        for uid in uids:
            status, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in data if isinstance(part, tuple)), None) if status == "OK" else None
            if raw is not None:
                counts[handle_message(jobraker, mailbox.candidate_id, raw, candidacies, model)] += 1
                counts["read"] += 1
            # Progress is kept per message: a connection lost midway resumes after the last one handled.
            Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=uid, messages_read=mailbox.messages_read + counts["read"])
    finally:
        if model is not None:
            model.close()
    log.info("mailbox_polled", candidate_id=str(mailbox.candidate_id), uidvalidity_changed=changed, **counts)
    return PollResult(uidvalidity_changed=changed, **counts)


def _new_uids(imap: imaplib.IMAP4, last_uid: int) -> list[int]:
    criteria = [f"UID {last_uid + 1}:*"]
    if last_uid == 0:
        since = (_now() - timedelta(days=LOOKBACK_DAYS)).strftime("%d-%b-%Y")
        criteria.append(f"SINCE {since}")
    status, data = imap.uid("SEARCH", None, *criteria)
    if status != "OK":
        raise MailboxError("search_failed")
    # "n:*" always names the last message, even when its UID is below n: keep only newer ones.
    return sorted(uid for uid in map(int, (data[0] or b"").split()) if uid > last_uid)


def handle_message(jobraker, candidate_id: UUID, raw: bytes, candidacies: list[Candidacy],  # type: ignore[no-untyped-def]
                   model: Completes | None = None) -> str:
    """Record one message; returns "recorded", "duplicates", "unmatched" or "unreadable".
    With a ``model``, a mail the rules call "other" gets its second opinion."""
    message = message_from_bytes(raw, policy=policy.default)
    digest = message_digest(candidate_id, message, raw)
    try:
        with transaction.atomic():
            seen = SeenMessage.objects.create(candidate_id=candidate_id, digest=digest, kind="other")
    except IntegrityError:
        return "duplicates"
    try:
        outcome = _record(jobraker, candidate_id, message, candidacies, model)
    except ConcurrentUpdate:
        seen.delete()  # lost the race to other writers three times: the next read tries again
        raise
    except UNREADABLE:
        # A mail the parser or the rules cannot take would stop every later poll at its UID:
        # it stays marked as seen, and only its kind says so.
        SeenMessage.objects.filter(pk=seen.pk).update(kind="unreadable")
        log.warning("mail_unreadable", candidate_id=str(candidate_id), exc_info=False)
        return "unreadable"
    except Exception:
        seen.delete()  # not handled after all (a database away, a concurrent save): the next read tries again
        raise
    if outcome is None:
        return "unmatched"
    SeenMessage.objects.filter(pk=seen.pk).update(application_id=outcome[0], kind=outcome[1])
    return "recorded"


def message_digest(candidate_id: UUID, message: EmailMessage, raw: bytes) -> str:
    """Keyed digest of the Message-ID (of the raw bytes when a sender left it out)."""
    identity = (message.get("Message-ID") or "").strip().encode() or hashlib.sha256(raw).hexdigest().encode()
    key = get_settings().blind_index_key_bytes
    return hmac.new(key, b"inbox:" + str(candidate_id).encode() + b":" + identity, hashlib.sha256).hexdigest()


def _record(jobraker, candidate_id: UUID, message: EmailMessage, candidacies: list[Candidacy],  # type: ignore[no-untyped-def]
            model: Completes | None) -> tuple[UUID, str] | None:
    sender_domain = parseaddr(str(message.get("From", "")))[1].rpartition("@")[2].lower().strip(">. ")
    subject = _clean_subject(str(message.get("Subject", "")))
    body = _plain_body(message)
    verdict, read_by = classify(subject, body), "rules"
    application_id = best_match(candidacies, sender_domain, subject, body, MAIL_MOVES.get(verdict.kind, ""))
    if application_id is None:
        return None
    if verdict.kind == "other" and model is not None:
        opinion = second_opinion(model, subject, body)
        if opinion is not None and opinion.kind != "other":
            verdict, read_by = opinion, "model"
    # Only the rules' reading moves an application by itself: a model can be talked into anything by the mail.
    automatic = read_by == "rules" and _full_automation(jobraker, candidate_id)
    mail = EmployerMail(verdict.kind, sender_domain, subject, verdict.interview_at, read_by)
    proposed, applied, version = jobraker.record_employer_mail(application_id, mail, move_now=automatic)
    if proposed and not applied:
        _propose(jobraker, application_id, version, proposed, verdict.interview_at, read_by)
    log.info("mail_recorded", candidate_id=str(candidate_id), application_id=str(application_id), kind=verdict.kind,
             read_by=read_by, proposed=proposed, applied=applied)
    return application_id, verdict.kind


PROPOSALS = {
    "confirm_submission": "it confirms the employer received your application",
    "record_rejection": "it looks like a rejection",
    "schedule_interview": "it invites you to an interview",
    "record_offer": "it looks like an offer",
}


def _propose(jobraker, application_id: UUID, version: int, action: str,  # type: ignore[no-untyped-def]
             interview_at: datetime | None, read_by: str) -> None:
    """Tell the candidate what the mail proposes; one POST to the transitions endpoint confirms it.
    Once per recorded mail (the cause names the application's version)."""
    application = jobraker.get_application(application_id)
    job = jobraker.get_job(application.job_id)
    when = f" on {interview_at:%Y-%m-%d %H:%M} UTC" if interview_at else ""
    reader = " (as the chat model read it: check the mail)" if read_by == "model" else ""
    message = (f"An employer wrote about your application to {job.title} at {job.company}: {PROPOSALS[action]}{when}{reader}. "
               f"Confirm on the application page (action {action}) and Jobraker moves it.")
    jobraker.send_notification(f"mail:{application_id}:{version}", application.candidate_id,
                               "application_mail", message, link=f"/api/v1/applications/{application_id}")


def _full_automation(jobraker, candidate_id: UUID) -> bool:  # type: ignore[no-untyped-def]
    return jobraker.get_candidate(candidate_id).auto_apply.mode == "full"


def candidacies_of(jobraker, candidate_id: UUID) -> list[Candidacy]:  # type: ignore[no-untyped-def]
    """The candidate's applications (from the read model) with their listings (from the events,
    where a manually tracked listing's sealed words open under the candidate's key)."""
    found = []
    ids = ApplicationRecord.objects.filter(candidate_id=candidate_id).order_by("created_at").values_list("id", flat=True)
    for order, application_id in enumerate(ids):
        application: Application = jobraker.get_application(application_id)
        job = jobraker.get_job(application.job_id)
        moves = frozenset(move for move in MAIL_MOVES.values() if application.can(move))
        found.append(Candidacy(application_id, job.company or "", job.title or "", job.url or "",
                               not application.is_terminal, order, application.reached_employer, moves))
    return found


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: the subject still counts
        return ""
    if part.get_content_type() == "text/html":
        text = re.sub(r"<[^>]+>", " ", text)
    return text[:BODY_CHARS]


def _clean_subject(subject: str) -> str:
    text = "".join(" " if unicodedata.category(c) in {"Cc", "Cs"} else c for c in subject)
    return re.sub(r"\s+", " ", text).strip()[:300]


def _now() -> datetime:
    return datetime.now(UTC)
