"""E-mail delivery of notifications: relay → Dramatiq (real Redis) → actor → Django's e-mail
backend. Exactly one e-mail per notification, whatever the redelivery; none for a candidate
who turned e-mail off; a mail server that refuses loses nothing (the retry sends it).
One test goes through a real SMTP server on a loopback socket."""

from __future__ import annotations

import smtplib
from uuid import UUID

import pytest
from django.test import override_settings

from jobraker.accounts.models import Role
from jobraker.config import load_settings
from jobraker.delivery.email import deliver_notification
from jobraker.delivery.models import EmailDelivery
from jobraker.domain.notification import notification_id

from ..api_helpers import operator, signed_in, wait
from ..conftest import relay_from_now, unique_email
from ..fakes.smtp_server import LoopbackSMTP


def _candidate(jobraker, prefix: str = "mail") -> tuple[UUID, str]:
    email = unique_email(prefix)
    # Verified: an unverified registration is sent its verification link, which these counts leave out.
    candidate_id, _ = jobraker.register_candidate(email, "Grace Hopper", "hash", address_verified=True)
    return candidate_id, email


def _to(outbox, address: str) -> list:
    return [m for m in outbox if m.to == [address]]


def test_each_notification_is_emailed_exactly_once_under_redelivery(jobraker, dramatiq_worker, mailoutbox):
    from jobraker.workers.actors import email_notification

    relay = relay_from_now(jobraker)
    candidate_id, email = _candidate(jobraker)
    jobraker.send_notification("test:mail-once", candidate_id, "application_status", "Your application moved.", "/api/v1/applications/x")
    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    # The same message delivered again, twice at once (two worker threads), sends nothing more.
    nid = str(notification_id("test:mail-once"))
    email_notification.send(nid, "redelivery-1")
    email_notification.send(nid, "redelivery-2")
    dramatiq_worker.join("default", timeout=20_000)

    sent = _to(mailoutbox, email)
    assert len(sent) == 1
    assert sent[0].subject == "Jobraker: Your application has moved"
    assert "Your application moved." in sent[0].body and "http://127.0.0.1:8000/api/v1/applications/x" in sent[0].body
    assert sent[0].extra_headers["X-Jobraker-Notification"] == nid
    row = EmailDelivery.objects.get(notification_id=nid)
    assert (row.status, row.attempts, row.candidate_id) == ("sent", 1, candidate_id)


def test_a_candidate_who_turned_email_off_gets_none(jobraker, dramatiq_worker, mailoutbox):
    relay = relay_from_now(jobraker)
    candidate_id, email = _candidate(jobraker, "quiet")
    jobraker.change_notification_settings(candidate_id, {"email": False})
    jobraker.send_notification("test:mail-off", candidate_id, "application_status", "Shh.")
    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    assert _to(mailoutbox, email) == []
    row = EmailDelivery.objects.get(notification_id=notification_id("test:mail-off"))
    assert (row.status, row.reason) == ("skipped", "the candidate turned e-mail off")
    # Turned back on, the next notification is e-mailed again.
    jobraker.change_notification_settings(candidate_id, {"email": True})
    jobraker.send_notification("test:mail-on", candidate_id, "application_status", "Hello again.")
    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    assert [m.body.split("\n")[0] for m in _to(mailoutbox, email)] == ["Hello again."]


def test_mail_goes_through_a_real_smtp_server_and_a_refusal_loses_nothing(jobraker, mailoutbox):
    candidate_id, email = _candidate(jobraker, "smtp")
    jobraker.send_notification("test:smtp", candidate_id, "follow_up", "No response yet from Acme.", "/api/v1/applications/y")
    nid = notification_id("test:smtp")
    with LoopbackSMTP() as smtp, override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp.port,
        EMAIL_USE_TLS=False, DEFAULT_FROM_EMAIL="Jobraker <noreply@jobraker.test>",
    ):
        smtp.inbox.refuse = True
        with pytest.raises(smtplib.SMTPDataError):
            deliver_notification(jobraker, nid)
        assert not EmailDelivery.objects.filter(notification_id=nid, status="sent").exists()  # rolled back: retried later

        smtp.inbox.refuse = False
        assert deliver_notification(jobraker, nid) == "sent"
        assert deliver_notification(jobraker, nid) == "sent"  # a redelivery after success sends nothing
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == [email]
    assert message["Subject"] == "Jobraker: Time to follow up on an application"
    assert message["From"] == "Jobraker <noreply@jobraker.test>"
    assert message["X-Jobraker-Notification"] == str(nid)
    assert "No response yet from Acme." in message.get_payload()
    assert EmailDelivery.objects.get(notification_id=nid).attempts == 1


def test_email_backend_is_the_outbox_folder_until_smtp_is_configured(tmp_path):
    base = {"JOBRAKER_DATA_DIR": str(tmp_path)}
    assert load_settings(base).email_backend_path == "jobraker.delivery.outbox.OutboxEmailBackend"
    smtp = load_settings({**base, "EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "587", "EMAIL_USE_TLS": "true"})
    assert smtp.email_backend_path == "django.core.mail.backends.smtp.EmailBackend"
    assert (smtp.email_port, smtp.email_use_tls) == (587, True)
    # "console" names the outbox too: printing mail would put addresses and bodies in the logs.
    named = load_settings({**base, "EMAIL_HOST": "smtp.example.org", "JOBRAKER_EMAIL_BACKEND": "console"})
    assert named.email_backend_path == "jobraker.delivery.outbox.OutboxEmailBackend"
    assert load_settings(base).outbox_dir == tmp_path / "outbox"


# The notification settings endpoint.


def test_notification_settings_are_the_candidates_own(live_projector):
    anonymous = signed_in()[0].__class__()
    assert anonymous.get("/api/v1/notifications/settings").status_code == 401
    assert anonymous.patch("/api/v1/notifications/settings", {"email": False}, format="json").status_code == 401

    owner, _, _ = signed_in()
    assert owner.get("/api/v1/notifications/settings").json() == {"email": True, "daily_digest": True, "follow_up_reminders": True}
    r = owner.patch("/api/v1/notifications/settings", {"email": False, "daily_digest": False}, format="json")
    assert r.status_code == 200, r.content
    assert owner.get("/api/v1/notifications/settings", **wait(owner, r)).json() == {
        "email": False, "daily_digest": False, "follow_up_reminders": True,
    }
    bad = owner.patch("/api/v1/notifications/settings", {"sms": True}, format="json")
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"

    other, _, _ = signed_in()
    r = other.patch("/api/v1/notifications/settings", {"follow_up_reminders": False}, format="json")
    assert other.get("/api/v1/notifications/settings", **wait(other, r)).json() == {
        "email": True, "daily_digest": True, "follow_up_reminders": False,
    }
    assert owner.get("/api/v1/notifications/settings").json()["follow_up_reminders"] is True

    staff = operator(Role.STAFF)
    assert staff.get("/api/v1/notifications/settings").status_code == 403
    assert staff.patch("/api/v1/notifications/settings", {"email": False}, format="json").status_code == 403


def test_settings_changes_are_events_and_repeat_changes_record_nothing(jobraker):
    candidate_id, _ = _candidate(jobraker, "settings")
    assert jobraker.change_notification_settings(candidate_id, {"email": False}) > 0
    assert jobraker.change_notification_settings(candidate_id, {"email": False}) == 0
    settings = jobraker.get_notification_settings(candidate_id)
    assert (settings.email, settings.daily_digest, settings.version) == (False, True, 2)
