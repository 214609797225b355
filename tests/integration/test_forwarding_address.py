"""Forwarding addresses (issue 18, item 4's second way in): mail sent to a candidate's address
at the inbound domain, delivered over real SMTP to `jobraker inbound-mail`'s server (aiosmtpd on
a loopback port), is read like mail from a connected mailbox; the server relays nothing, takes
each mail once, refuses what is too large, and keeps the mail when it cannot read it now. Under
`jobraker up` the sandbox employers reply through it."""

from __future__ import annotations

import smtplib
import socket
from uuid import UUID

import pytest

from jobraker.config import get_settings
from jobraker.domain.application import Status
from jobraker.inbox import forwarding, inbound_smtp
from jobraker.inbox.models import ForwardingAddress, SeenMessage
from jobraker.inbox.sandbox_employer import reply_to_submission
from jobraker.privacy.erasure import erase_candidate

from ..fakes.imap_server import employer_mail
from .test_automation import candidate_in
from .test_inbox_sync import INVITATION, SENDER, mails_on

DOMAIN = "inbox.localhost"


@pytest.fixture
def inbound(monkeypatch):  # type: ignore[no-untyped-def]
    """The inbound SMTP server on a free loopback port, with the settings that name it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("JOBRAKER_INBOUND_SMTP_PORT", str(port))
    get_settings.cache_clear()
    server = inbound_smtp.controller("127.0.0.1", port)
    server.start()
    yield port
    server.stop()
    get_settings.cache_clear()


def applied_with_forwarding(jobraker, projector, mode: str = "suggest") -> tuple[UUID, UUID, str]:  # type: ignore[no-untyped-def]
    candidate_id = candidate_in(jobraker, mode)
    job_id, _ = jobraker.post_job(source="test", external_id=f"fwd-{candidate_id}", title="Backend Engineer",
                                  company="Initech", url="https://jobs.initech.example/42")
    application_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    projector.catch_up()
    return candidate_id, application_id, forwarding.address_of(forwarding.enable(candidate_id))


def send(port: int, to: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.sendmail("jane@initech.example", [to], raw)


def test_the_address_names_nobody_is_stable_and_is_refused_once_turned_off(jobraker):
    first, _ = jobraker.register_candidate("forward-a@example.org", "Forward A", "h")
    second, _ = jobraker.register_candidate("forward-b@example.org", "Forward B", "h")
    address = forwarding.address_of(forwarding.enable(first))
    assert address == forwarding.address_of(forwarding.enable(first))  # the same each time
    assert address != forwarding.address_of(forwarding.enable(second))
    local = address.split("@")[0]
    assert local.startswith("in-") and str(first).replace("-", "") not in local and "forward" not in local
    assert forwarding.recipient(address.upper()) == first  # addresses are case-insensitive
    assert forwarding.recipient(f"{local}@elsewhere.example") is None
    assert forwarding.disable(first) and forwarding.recipient(address) is None


def test_a_forwarded_invitation_is_read_like_a_polled_one_and_only_once(jobraker, projector, inbound):
    candidate_id, application_id, address = applied_with_forwarding(jobraker, projector, mode="full")
    mail = employer_mail(SENDER, *INVITATION, to=address)
    send(inbound, address, mail)
    send(inbound, address, mail)  # the same Message-ID again: a sender's retry or a second forward
    application = jobraker.get_application(application_id)
    assert application.status is Status.INTERVIEWING
    assert [m.kind for m in mails_on(jobraker, application_id)] == ["interview"]
    assert SeenMessage.objects.filter(candidate_id=candidate_id).count() == 1
    assert ForwardingAddress.objects.get(candidate_id=candidate_id).messages_received == 2


def test_it_relays_nothing_and_refuses_unknown_and_oversized_mail(jobraker, projector, inbound):
    _, _, address = applied_with_forwarding(jobraker, projector)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as unknown:
        send(inbound, f"in-{'x' * 24}@{DOMAIN}", employer_mail(SENDER, *INVITATION))
    assert next(iter(unknown.value.recipients.values()))[0] == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(inbound, "someone@gmail.com", employer_mail(SENDER, *INVITATION))  # not an open relay
    huge = employer_mail(SENDER, INVITATION[0], "x" * (inbound_smtp.MAX_MESSAGE_BYTES + 1), to=address)
    with pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)) as large:
        send(inbound, address, huge)
    assert getattr(large.value, "smtp_code", 552) == 552


def test_a_mail_it_cannot_read_now_is_left_with_the_sender(jobraker, projector, inbound, monkeypatch):
    candidate_id, application_id, address = applied_with_forwarding(jobraker, projector)

    def database_away(*args):  # type: ignore[no-untyped-def]
        from django.db import OperationalError

        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(forwarding, "receive", database_away)
    with pytest.raises(smtplib.SMTPDataError) as later:
        send(inbound, address, employer_mail(SENDER, *INVITATION, to=address))
    assert later.value.smtp_code == 451  # a temporary failure: the sending server tries again
    monkeypatch.undo()
    get_settings.cache_clear()
    assert not mails_on(jobraker, application_id)


def test_a_sandbox_company_answers_a_submission_with_an_invitation(jobraker, projector, inbound, monkeypatch):
    monkeypatch.setenv("JOBRAKER_SKYVERN_SANDBOX", "true")
    get_settings.cache_clear()
    candidate_id = candidate_in(jobraker, "full")
    job_id, _ = jobraker.post_job(source="lever", external_id=f"sandbox-reply-{candidate_id}", title="Line Cook",
                                  company="Contoso Foods [sandbox]", url="https://jobs.lever.co/sandbox-contoso/1/apply")
    application_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    projector.catch_up()
    assert not reply_to_submission(jobraker, application_id)  # no forwarding address: nobody to write to
    forwarding.enable(candidate_id)
    assert reply_to_submission(jobraker, application_id)
    application = jobraker.get_application(application_id)
    assert application.status is Status.INTERVIEWING and len(application.interviews) == 1


def test_erasure_takes_the_forwarding_address(jobraker, projector, inbound):
    candidate_id, _, address = applied_with_forwarding(jobraker, projector)
    erase_candidate(jobraker, candidate_id, by="candidate")
    projector.catch_up()
    assert not ForwardingAddress.objects.filter(candidate_id=candidate_id).exists()
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(inbound, address, employer_mail(SENDER, *INVITATION, to=address))
