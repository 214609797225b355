"""The daily digest of new matches: one notification per candidate and day (id from
``digest:{candidate}:{date}``), covering the matches since the previous digest, e-mailed
like every notification; none for a candidate who turned digests off or had no new match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from django.utils import timezone

from jobraker.delivery.alerts import digest_cutoff
from jobraker.delivery.digest import digest_cause, send_match_digests
from jobraker.domain.application import Application
from jobraker.domain.notification import notification_id
from jobraker.projections.models import ApplicationRecord

from ..api_helpers import caught_up
from ..conftest import relay_from_now, unique_email

# A digest run reads every candidate's new matches in the database: only this module's.
pytestmark = pytest.mark.usefixtures("module_database")


def _match(jobraker, candidate_id: UUID, title: str, score: int) -> UUID:
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email("digest-job"), title=title, company="Acme")
    application = Application.match(candidate_id, job_id, score, "test-model", {})
    jobraker.save(application)
    return application.id


def _backdate(application_ids: list[UUID], when: datetime) -> None:
    """The matches were found earlier in the day (the read model is what the digest reads)."""
    ApplicationRecord.objects.filter(id__in=application_ids).update(created_at=when)


def _digests(jobraker, candidate_id: UUID, cutoff: datetime) -> list:
    return jobraker.recorder.select_events(notification_id(digest_cause(candidate_id, cutoff)))


def test_one_digest_per_day_of_the_matches_since_the_last_one(jobraker, live_projector, dramatiq_worker, mailoutbox):
    relay = relay_from_now(jobraker)
    email = unique_email("digest")
    candidate_id, _ = jobraker.register_candidate(email, "Digest Reader", "hash", address_verified=True)  # no link mail
    found = [_match(jobraker, candidate_id, title, score) for title, score in
             (("Platform Engineer", 91), ("Data Engineer", 75), ("Site Reliability Engineer", 60))]
    caught_up(jobraker.recorder.max_notification_id())
    now = timezone.now()
    cutoff = now.replace(minute=0, second=0, microsecond=0)  # today's digest moment, just passed
    _backdate(found, cutoff - timedelta(hours=2))

    send_match_digests(jobraker, cutoff)
    send_match_digests(jobraker, cutoff)  # the scheduler again, before the projections caught up
    caught_up(jobraker.recorder.max_notification_id())
    send_match_digests(jobraker, cutoff)  # and after
    [digest] = _digests(jobraker, candidate_id, cutoff)
    message = jobraker.repository.get(digest.originator_id).message
    assert message.startswith("3 new matches since")
    assert message.endswith("Best: Platform Engineer at Acme (91); Data Engineer at Acme (75); Site Reliability Engineer at Acme (60).")

    relay.catch_up()
    dramatiq_worker.join("default", timeout=20_000)
    [mail] = [m for m in mailoutbox if m.to == [email]]
    assert mail.subject == "Jobraker: Your new matches" and "3 new matches" in mail.body

    # The next day covers only what was found after today's digest.
    _match(jobraker, candidate_id, "Backend Engineer", 88)
    caught_up(jobraker.recorder.max_notification_id())
    tomorrow = cutoff + timedelta(days=1)
    send_match_digests(jobraker, tomorrow)
    [next_digest] = _digests(jobraker, candidate_id, tomorrow)
    next_message = jobraker.repository.get(next_digest.originator_id).message
    assert next_message.startswith("1 new match since") and "Backend Engineer at Acme (88)" in next_message
    assert "Platform Engineer" not in next_message


def test_no_digest_without_new_matches_or_when_turned_off(jobraker, live_projector):
    quiet, _ = jobraker.register_candidate(unique_email("digest-off"), "Quiet", "hash")
    jobraker.change_notification_settings(quiet, {"daily_digest": False})
    idle, _ = jobraker.register_candidate(unique_email("digest-idle"), "Idle", "hash")
    found = [_match(jobraker, quiet, "Platform Engineer", 90)]
    caught_up(jobraker.recorder.max_notification_id())
    cutoff = timezone.now().replace(minute=0, second=0, microsecond=0)
    _backdate(found, cutoff - timedelta(hours=1))
    send_match_digests(jobraker, cutoff)
    assert _digests(jobraker, quiet, cutoff) == []
    assert _digests(jobraker, idle, cutoff) == []


def test_the_digest_moment_is_the_configured_hour_once_it_has_passed():
    assert digest_cutoff(datetime(2026, 11, 29, 7, 59, tzinfo=UTC), 8) is None
    assert digest_cutoff(datetime(2026, 11, 29, 8, 0, 1, tzinfo=UTC), 8) == datetime(2026, 11, 29, 8, tzinfo=UTC)
    assert digest_cutoff(datetime(2026, 11, 29, 23, 0, tzinfo=UTC), 8) == datetime(2026, 11, 29, 8, tzinfo=UTC)


def test_a_candidate_whose_key_is_gone_is_skipped_and_the_others_are_told(jobraker):
    """Fan-outs (digests, alerts, reminders) send through unless_erased: an erased candidate's
    notification cannot be sealed, and must not stop the next candidate's."""
    from jobraker.delivery.erased import unless_erased

    gone, _ = jobraker.register_candidate(unique_email(), "Gone", "h")
    here, _ = jobraker.register_candidate(unique_email(), "Here", "h")
    jobraker.mapper.keyring.destroy(gone)
    sent = [unless_erased("test", jobraker.send_notification, f"fanout:{c}", c, "test", "hello") for c in (gone, here)]
    assert sent[0] == 0 and sent[1] > 0
