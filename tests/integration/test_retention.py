"""Retention: long-inactive candidates are erased, old listings expired; recent ones stay."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django.utils import timezone

from jobraker.accounts.models import Account
from jobraker.privacy.retention import apply_retention
from jobraker.projections.models import JobRecord

from ..api_helpers import caught_up, signed_in
from ..conftest import unique_email


def test_retention_erases_the_inactive_and_expires_old_listings(jobraker, live_projector):
    _, stale, _ = signed_in(name="Long Gone")
    _, fresh, _ = signed_in(name="Still Here")
    Account.objects.filter(id=stale["id"]).update(last_login=timezone.now() - timedelta(days=800))
    old_job, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Old", company="Acme",
                                   posted_at=timezone.now() - timedelta(days=90))
    new_job, position = jobraker.post_job(source="test", external_id=unique_email(), title="New", company="Acme",
                                          posted_at=timezone.now())
    caught_up(position)
    # Other tests' accounts are fresh; only the stale one is past the cut-off.
    report = apply_retention(jobraker, timezone.now(), inactive_days=730, job_days=60)
    assert UUID(stale["id"]) in report.erased and UUID(fresh["id"]) not in report.erased
    assert jobraker.get_candidate(UUID(stale["id"])).is_erased
    assert not jobraker.get_candidate(UUID(fresh["id"])).is_erased
    assert jobraker.get_job(old_job).is_expired and not jobraker.get_job(new_job).is_expired
    caught_up(jobraker.recorder.max_notification_id())
    assert JobRecord.objects.get(id=old_job).is_expired


def test_logging_in_records_the_time(live_projector):
    _, created, _ = signed_in()
    assert Account.objects.get(id=created["id"]).last_login is not None
