"""Inbox sync against a real IMAP server (Debian's Dovecot, tests/fakes/imap_server.py): a new
message is read once, a duplicate delivery is not recorded twice, a UIDVALIDITY change re-reads
without recording again, a restarted server is connected to again, and what a mail implies is
applied in full automation and proposed otherwise. Sealed at rest, never the body."""

from __future__ import annotations

import json
from uuid import UUID

import pytest

from jobraker.config import get_settings
from jobraker.domain.application import Actor, Application, Status
from jobraker.inbox.mailboxes import Connection, connect
from jobraker.inbox.models import Mailbox, SeenMessage
from jobraker.inbox.sync import MailboxError, poll_mailbox

from ..conftest import unique_email
from ..fakes.imap_server import Dovecot, dovecot, employer_mail  # noqa: F401 (fixture)
from ..fakes.openai_chat_server import Fail, Say
from ..inbox_mails import utc
from .test_automation import candidate_in
from .test_personal_data import raw_event_rows

SENDER = "Jane Recruiter <jane@initech.example>"
INVITATION = ("Interview invitation - Backend Engineer",
              "Hello Ada, we would like to invite you to a video interview on December 14, 2026 at 2:30 pm. "
              "Our office is at 1 Initech Way; call me on +49 30 1234567.")
REJECTION = ("Your application to Initech", "Dear Ada, unfortunately we have decided to move forward with other candidates.")


@pytest.fixture(autouse=True)
def private_hosts(monkeypatch):  # type: ignore[no-untyped-def]
    """Dovecot listens on loopback, which only tests and the sandbox may reach."""
    monkeypatch.setenv("JOBRAKER_INBOX_PRIVATE_HOSTS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def applied_with_mailbox(jobraker, projector, server: Dovecot, mode: str = "suggest") -> tuple[UUID, UUID]:  # type: ignore[no-untyped-def]
    """A candidate who applied to Initech's Backend Engineer job (and to another company's),
    with their mailbox on the Dovecot server connected."""
    candidate_id = candidate_in(jobraker, mode)
    other_job, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Data Engineer", company="Globex",
                                     url="https://globex.example/jobs/7")
    jobraker.track_application(candidate_id, other_job, applied=True)
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Backend Engineer", company="Initech",
                                  url="https://jobs.initech.example/42")
    application_id, _ = jobraker.track_application(candidate_id, job_id, applied=True)
    projector.catch_up()
    connect(candidate_id, Connection(server.host, server.port, server.user, server.password, security="none"))
    return candidate_id, application_id


def mails_on(jobraker, application_id: UUID) -> list[Application.MailReceived]:  # type: ignore[no-untyped-def]
    return [e for e in jobraker.repository.event_store.get(application_id) if isinstance(e, Application.MailReceived)]


def notifications_of(jobraker, candidate_id: UUID) -> list:  # type: ignore[no-untyped-def]
    from jobraker.domain.notification import Notification
    from jobraker.privacy.streams import streams_started_for

    return [jobraker.repository.get(i) for i in streams_started_for(candidate_id, Notification.Sent)]


def test_a_new_message_is_read_once_recorded_sealed_and_proposed(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    dovecot.deliver(employer_mail("News <news@unrelated.example>", "Weekly digest", "Nothing about any job."))

    first = poll_mailbox(jobraker, candidate_id)
    assert (first.read, first.recorded, first.unmatched) == (2, 1, 1)
    again = poll_mailbox(jobraker, candidate_id)
    assert again.read == 0  # nothing new: the last UID is kept

    [mail] = mails_on(jobraker, application_id)
    assert (mail.kind, mail.sender_domain, mail.subject) == ("interview", "initech.example", INVITATION[0])
    assert (mail.proposed, mail.interview_at) == ("schedule_interview", utc(2026, 12, 14, 14, 30))
    application = jobraker.get_application(application_id)
    assert application.status is Status.SUBMITTED  # suggest mode: proposed, not applied
    assert application.mail_proposal == ("schedule_interview", utc(2026, 12, 14, 14, 30))
    # Sealed at rest; the body is not kept at all.
    rows = b"".join(raw_event_rows(jobraker, application_id))
    assert b"initech.example" not in rows and b"Interview invitation" not in rows and b"1234567" not in rows
    mailbox = Mailbox.objects.get(candidate_id=candidate_id)
    assert mailbox.last_uid == 2 and mailbox.messages_read == 2 and mailbox.last_error == ""
    [notification] = notifications_of(jobraker, candidate_id)
    assert notification.kind == "application_mail" and notification.link == f"/api/v1/applications/{application_id}"
    assert "invites you to an interview on 2026-12-14 14:30 UTC" in notification.message

    # The candidate confirms the proposal with one move (POST /applications/{id}/transitions does this).
    jobraker.move_application(application_id, "schedule_interview", Actor.CANDIDATE, at=mail.interview_at)
    confirmed = jobraker.get_application(application_id)
    assert confirmed.status is Status.INTERVIEWING and confirmed.mail_proposal is None


def test_a_duplicate_delivery_is_recorded_once(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    raw = employer_mail(SENDER, *REJECTION, message_id="<dup-1@initech.example>")
    dovecot.deliver(raw)
    dovecot.deliver(raw)  # the same mail twice (a forwarding rule, a retrying relay)
    result = poll_mailbox(jobraker, candidate_id)
    assert (result.read, result.recorded, result.duplicates) == (2, 1, 1)
    assert len(mails_on(jobraker, application_id)) == 1
    assert SeenMessage.objects.filter(candidate_id=candidate_id).count() == 1


def test_a_uidvalidity_change_rereads_without_recording_twice(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    assert poll_mailbox(jobraker, candidate_id).recorded == 1
    before = Mailbox.objects.get(candidate_id=candidate_id).uidvalidity

    dovecot.reset_uidvalidity()
    dovecot.deliver(employer_mail(SENDER, *REJECTION))
    result = poll_mailbox(jobraker, candidate_id)
    assert result.uidvalidity_changed and (result.read, result.recorded, result.duplicates) == (2, 1, 1)
    assert Mailbox.objects.get(candidate_id=candidate_id).uidvalidity != before
    assert [m.kind for m in mails_on(jobraker, application_id)] == ["interview", "rejection"]


def test_a_server_restart_is_reconnected_to_and_the_failure_recorded(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    assert poll_mailbox(jobraker, candidate_id).recorded == 1

    dovecot.stop()
    with pytest.raises(MailboxError) as failed:
        poll_mailbox(jobraker, candidate_id)
    assert failed.value.code == "unreachable"
    down = Mailbox.objects.get(candidate_id=candidate_id)
    assert (down.last_error, down.failures) == ("unreachable", 1)

    dovecot.start()
    dovecot.deliver(employer_mail(SENDER, *REJECTION))
    result = poll_mailbox(jobraker, candidate_id)
    assert (result.read, result.recorded) == (1, 1)
    up = Mailbox.objects.get(candidate_id=candidate_id)
    assert (up.last_error, up.failures) == ("", 0)


def test_a_wrong_app_password_is_recorded_as_refused(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, _ = applied_with_mailbox(jobraker, projector, dovecot)
    connect(candidate_id, Connection(dovecot.host, dovecot.port, dovecot.user, "wrong", security="none"))
    with pytest.raises(MailboxError) as failed:
        poll_mailbox(jobraker, candidate_id)
    assert failed.value.code == "login_refused"
    assert Mailbox.objects.get(candidate_id=candidate_id).last_error == "login_refused"


def test_full_automation_applies_what_the_mail_implies(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot, mode="full")
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    poll_mailbox(jobraker, candidate_id)
    application = jobraker.get_application(application_id)
    assert application.status is Status.INTERVIEWING and application.interviews == [utc(2026, 12, 14, 14, 30)]
    assert application.mail_proposal is None
    assert not [n for n in notifications_of(jobraker, candidate_id) if n.kind == "application_mail"]  # applied, not proposed

    dovecot.deliver(employer_mail(SENDER, *REJECTION))
    poll_mailbox(jobraker, candidate_id)
    assert jobraker.get_application(application_id).status is Status.REJECTED


def test_an_invitation_without_a_date_is_proposed_even_in_full_automation(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot, mode="full")
    dovecot.deliver(employer_mail(SENDER, "Backend Engineer at Initech", "We would like to schedule an interview. When suits you?"))
    poll_mailbox(jobraker, candidate_id)
    application = jobraker.get_application(application_id)
    assert application.status is Status.SUBMITTED and application.mail_proposal == ("schedule_interview", None)


def test_the_timeline_shows_the_mail_and_its_proposal(jobraker, projector, dovecot):  # noqa: F811
    from jobraker.projections.models import TimelineEntry

    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    poll_mailbox(jobraker, candidate_id)
    projector.catch_up()
    entry = TimelineEntry.objects.get(aggregate_id=application_id, action="mail")
    assert entry.detail == {"kind": "interview", "read_by": "rules", "proposed": "schedule_interview", "interview_at": "2026-12-14T14:30:00+00:00",
                            "sender_domain": "initech.example", "subject": INVITATION[0]}


def test_the_scheduled_poll_runs_on_a_worker_with_ids_only_in_messages_and_logs(jobraker, projector, dovecot):  # noqa: F811
    """Scheduler → broker → worker → Dovecot: the message names the candidate only, and no log
    line at DEBUG holds the subject, the sender, the user name or the app password."""
    from dramatiq import Worker

    from jobraker.workers import actors  # noqa: F401 (declares the actors)
    from jobraker.workers.broker import broker
    from jobraker.workers.scheduler import send_mailbox_polls

    from .test_logs_hold_no_personal_data import Capture
    from .test_queue_messages import _message_bodies

    broker().flush_all()  # no other test's messages
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    Mailbox.objects.exclude(candidate_id=candidate_id).delete()  # earlier tests' mailboxes, their servers gone
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    personal = {"subject": INVITATION[0], "sender": "initech.example", "user": dovecot.user, "password": dovecot.password,
                "phone": "1234567"}
    with Capture() as capture:
        send_mailbox_polls()
        bodies = [json.loads(body) for body in _message_bodies().values() if b"sync_mailbox" in body]
        assert [body["args"] for body in bodies] == [[str(candidate_id)]]  # the candidate's id, nothing else
        assert not [name for name, value in personal.items() for body in bodies if value in json.dumps(body)]
        worker = Worker(broker(), worker_threads=1, worker_timeout=100)
        worker.start()
        try:
            broker().join("ingest", timeout=60_000)
        finally:
            worker.stop()
    assert [m.kind for m in mails_on(jobraker, application_id)] == ["interview"]
    assert "mail_recorded" in capture.raw.getvalue()  # the capture saw the poll's own lines
    assert capture.found(personal) == {"raw": [], "written": []}


MALFORMED = [
    b'From: "\xff\xfe" <a@initech.example>\r\nSubject: \xff\xfe caf\xe9 Initech\r\nContent-Type: text/plain; charset=utf-8\r\n'
    b'Content-Transfer-Encoding: base64\r\n\r\n!!!notbase64***\r\n',
    b'From: =?utf-8?b?broken\r\nSubject: =?x-unknown?q?abc?=\r\nContent-Type: multipart/mixed; boundary=""\r\n\r\n--\r\n',
    b'From: a@initech.example\r\nSubject: Initech\r\nContent-Type: text/plain; charset="utf-16"\r\n\r\n\xff',
    b'From: <<<@@@>>>\r\nSubject: x\r\nContent-Type: message/rfc822\r\n\r\nnot a message',
]


def test_malformed_mail_does_not_stop_the_mailbox(jobraker, projector, dovecot):  # noqa: F811
    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot)
    for raw in MALFORMED:
        dovecot.deliver(raw)
    dovecot.deliver(employer_mail(SENDER, *INVITATION))
    result = poll_mailbox(jobraker, candidate_id)
    assert result.read == len(MALFORMED) + 1
    assert "interview" in [m.kind for m in mails_on(jobraker, application_id)]
    assert Mailbox.objects.get(candidate_id=candidate_id).last_uid == len(MALFORMED) + 1


def test_a_host_no_longer_allowed_is_refused_before_connecting(jobraker, projector, dovecot, monkeypatch):  # noqa: F811
    candidate_id, _ = applied_with_mailbox(jobraker, projector, dovecot)
    monkeypatch.delenv("JOBRAKER_INBOX_PRIVATE_HOSTS")
    get_settings.cache_clear()
    with pytest.raises(MailboxError) as failed:
        poll_mailbox(jobraker, candidate_id)
    assert failed.value.code == "host_refused"
    assert Mailbox.objects.get(candidate_id=candidate_id).last_error == "host_refused"


def test_a_reply_by_mail_counts_in_the_funnel_before_its_move_is_confirmed(jobraker, projector, dovecot):  # noqa: F811
    from jobraker.projections.models import FunnelEntry

    candidate_id, _ = applied_with_mailbox(jobraker, projector, dovecot)
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Platform Engineer", company="Hooli",
                                  url="https://careers.hooli.example/9")
    matched_id, _, _ = jobraker.record_match(candidate_id, job_id, 90, "test-model", {})
    jobraker.move_application(matched_id, "mark_applied", Actor.CANDIDATE)
    projector.catch_up()
    dovecot.deliver(employer_mail("Talent <talent@hooli.example>", "Your application to Hooli",
                                  "Unfortunately we will not be moving forward with your application."))
    assert poll_mailbox(jobraker, candidate_id).recorded == 1
    projector.catch_up()
    row = FunnelEntry.objects.get(application_id=matched_id)
    assert row.replied_at is not None and row.interview_at is None
    assert jobraker.get_application(matched_id).status is Status.SUBMITTED  # proposed, not applied (suggest mode)


UNPLACED = ("Backend Engineer - next steps", "Hi Ada, are you free on 15 December at 10:00 to come by the office and "
            "meet the team? Best, Jane")


def test_a_mail_the_rules_cannot_place_gets_the_models_reading_proposed_never_applied(jobraker, projector, dovecot):  # noqa: F811
    """In full automation a rules' reading moves the application; the model's is only proposed
    (anyone can write a mail that talks a model into something), with who read it on record."""
    from ..assistant_helpers import chat_model
    from ..fakes.openai_chat_server import FakeOpenAIChat

    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot, mode="full")
    script = [Say('{"kind": "interview", "interview_at": "2026-12-15T10:00:00Z"}')]
    with chat_model(FakeOpenAIChat(script)) as model:
        dovecot.deliver(employer_mail(SENDER, *UNPLACED))
        poll_mailbox(jobraker, candidate_id)
    [asked] = model.requests
    assert "come by the office" in asked["body"]["messages"][1]["content"]
    application = jobraker.get_application(application_id)
    assert application.status is Status.SUBMITTED  # not applied, although the candidate is in full automation
    assert application.mail_proposal == ("schedule_interview", utc(2026, 12, 15, 10, 0))
    [mail] = mails_on(jobraker, application_id)
    assert (mail.kind, mail.read_by) == ("interview", "model")
    [note] = [n for n in notifications_of(jobraker, candidate_id) if n.kind == "application_mail"]
    assert "as the chat model read it" in note.message


@pytest.mark.parametrize("answer", [Say('{"kind": "offer", "start": "now"}'), Fail(500)], ids=["out of bounds", "failing"])
def test_a_model_that_strays_or_fails_leaves_the_mail_as_other(jobraker, projector, dovecot, answer):  # noqa: F811
    from ..assistant_helpers import chat_model
    from ..fakes.openai_chat_server import FakeOpenAIChat

    candidate_id, application_id = applied_with_mailbox(jobraker, projector, dovecot, mode="full")
    with chat_model(FakeOpenAIChat([answer] * 3), JOBRAKER_CHAT_MAX_RETRIES="0"):
        dovecot.deliver(employer_mail(SENDER, *UNPLACED))
        assert poll_mailbox(jobraker, candidate_id).recorded == 1
    [mail] = mails_on(jobraker, application_id)
    assert (mail.kind, mail.read_by, mail.proposed) == ("other", "rules", "")
    assert jobraker.get_application(application_id).status is Status.SUBMITTED
