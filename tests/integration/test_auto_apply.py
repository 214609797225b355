"""Auto-apply: the policy, submission at most once (even when a worker dies mid-way or two
race), dry-run, and Skyvern's signed webhook — against a loopback Skyvern."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from pydantic import SecretStr
from rest_framework.test import APIClient

from jobraker.appliers.skyvern import DryRunApplier, SkyvernApplier, sign
from jobraker.appliers.submit import flag_stuck_submissions, submit
from jobraker.domain.application import Application, Status
from jobraker.domain.policy import auto_apply_decision

from ..conftest import relay_from_now, unique_email
from ..fakes.skyvern_server import FakeSkyvern

# A new job is matched, queued and sent for every candidate whose automation is on in the
# database: only this module's. On the shared one, the whole-loop test's queues filled with
# earlier tests' candidates (after tests/api/test_automation_api.py its apply queue never drained).
pytestmark = pytest.mark.usefixtures("module_database")

HOOK = "http://127.0.0.1:8000/api/v1/webhooks/skyvern"


def auto_applying_candidate(jobraker, *, enabled=True, consent=True, min_score=60, excluded=()):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Ada Lovelace", "h")
    jobraker.verify_address(candidate_id)
    jobraker.change_profile(candidate_id, {"headline": "Backend engineer", "skills": ["Python", "Django"]})
    jobraker.change_preferences(candidate_id, {"excluded_companies": list(excluded)})
    if consent:
        jobraker.give_consent(candidate_id, "auto_apply", "2026-01")
        jobraker.change_automation(candidate_id, {"mode": "full" if enabled else "off", "min_score_override": min_score})
    return candidate_id


def queued_application(jobraker, company="Acme", score=90):
    candidate_id = auto_applying_candidate(jobraker)
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Django developer",
                                  company=company, url="https://jobs.example.org/apply/1")
    app_id, _, decision = jobraker.record_match(candidate_id, job_id, score, "test-model", {"matched_skills": ["Django"]})
    assert decision.queue, decision.reason
    return app_id


@pytest.mark.parametrize(
    ("setup", "score", "company", "queued", "reason"),
    [
        (dict(), 90, "Acme", True, "auto-apply rules met"),
        (dict(enabled=False), 90, "Acme", False, "auto-apply is off"),
        (dict(consent=False), 90, "Acme", False, "auto-apply is off"),
        (dict(min_score=95), 90, "Acme", False, "below the threshold"),
        (dict(excluded=("acme",)), 90, "Acme", False, "excluded"),
    ],
)
def test_policy(jobraker, setup, score, company, queued, reason):
    candidate = jobraker.get_candidate(auto_applying_candidate(jobraker, **setup))
    decision = auto_apply_decision(candidate, score, company)
    assert decision.queue is queued and reason in decision.reason


def test_withdrawing_consent_stops_the_policy(jobraker):
    candidate_id = auto_applying_candidate(jobraker)
    jobraker.withdraw_consent(candidate_id, "auto_apply")
    decision = auto_apply_decision(jobraker.get_candidate(candidate_id), 99, "Acme")
    assert not decision.queue


def test_submission_goes_to_skyvern_once_with_the_run_recorded(jobraker):
    app_id = queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
        assert submit(jobraker, app_id, applier, HOOK) == f"sent as {skyvern.run_id(1)}"
        assert submit(jobraker, app_id, applier, HOOK).startswith("nothing to do")  # redelivery
    assert len(skyvern.tasks) == 1
    task = skyvern.tasks[0]
    assert task["url"] == "https://jobs.example.org/apply/1" and task["webhook_url"] == HOOK
    assert "Ada Lovelace" in task["prompt"] and "Django" in task["prompt"]
    application = jobraker.get_application(app_id)
    assert (application.status, application.run_id) == (Status.SUBMITTING, skyvern.run_id(1))


def test_a_worker_dying_after_the_call_never_causes_a_second_submission(jobraker, projector, monkeypatch):
    app_id = queued_application(jobraker)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed after Skyvern answered, before the run was recorded")

    with FakeSkyvern() as skyvern:
        applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
        with monkeypatch.context() as patch:
            patch.setattr(Application, "record_submission_sent", killed)
            with pytest.raises(SystemExit):
                submit(jobraker, app_id, applier, HOOK)
        assert submit(jobraker, app_id, applier, HOOK).startswith("nothing to do")
    assert len(skyvern.tasks) == 1
    assert jobraker.get_application(app_id).status is Status.SUBMITTING

    projector.catch_up()
    an_hour_later = timezone.now() + timedelta(hours=1)
    assert app_id in flag_stuck_submissions(jobraker, now=an_hour_later)
    application = jobraker.get_application(app_id)
    assert application.status is Status.NEEDS_REVIEW and application.history.count(Status.SUBMITTING) == 1


def test_racing_workers_submit_once(jobraker):
    app_id = queued_application(jobraker)
    outcomes: list[str] = []
    start = threading.Barrier(4)
    with FakeSkyvern() as skyvern:
        applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)

        def worker() -> None:
            from django.db import connection

            start.wait()
            try:
                outcomes.append(submit(jobraker, app_id, applier, HOOK))
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(4)]
        [t.start() for t in threads]
        [t.join() for t in threads]
    assert len(skyvern.tasks) == 1
    assert sum(o.startswith("sent as") for o in outcomes) == 1


@pytest.mark.parametrize(("status", "expected", "retryable"), [(500, Status.NEEDS_REVIEW, None), (422, Status.FAILED, False)])
def test_skyvern_errors(jobraker, status, expected, retryable):
    app_id = queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        skyvern.fail_next = [status]
        submit(jobraker, app_id, SkyvernApplier(skyvern.base_url, skyvern.api_key), HOOK)
    application = jobraker.get_application(app_id)
    assert application.status is expected
    if retryable is not None:
        assert application.failure[1] is retryable


def test_dry_run_records_exactly_what_would_be_sent(jobraker):
    app_id = queued_application(jobraker)
    assert submit(jobraker, app_id, DryRunApplier(), HOOK) == "dry run recorded"
    application = jobraker.get_application(app_id)
    assert application.status is Status.SUBMITTED and application.dry_run
    stored = [jobraker.mapper.to_domain_event(s) for s in jobraker.recorder.select_events(app_id)]
    [record] = [e for e in stored if isinstance(e, Application.SubmissionSent)]
    assert record.dry_run and record.run_id == "" and "Ada Lovelace" in record.payload["prompt"]


@pytest.fixture
def webhook(monkeypatch):
    from jobraker.api import webhook_views

    key = "sk-skyvern"
    monkeypatch.setattr(webhook_views, "get_settings", lambda: SimpleNamespace(skyvern_api_key=SecretStr(key)))
    client = APIClient()

    def deliver(body: dict, signature: str | None = "sign") -> object:
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = {}
        if signature == "sign":
            headers["HTTP_X_SKYVERN_SIGNATURE"] = sign(raw, key)
        elif signature is not None:
            headers["HTTP_X_SKYVERN_SIGNATURE"] = signature
        return client.generic("POST", "/api/v1/webhooks/skyvern", raw, content_type="application/json", **headers)

    return deliver


def test_webhook_needs_a_valid_signature_and_records_once(jobraker, webhook):
    app_id = queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        submit(jobraker, app_id, SkyvernApplier(skyvern.base_url, skyvern.api_key), HOOK)
        body = skyvern.run_body(skyvern.run_id(1), "completed", output={"confirmation": "Thanks for applying"})
    version = jobraker.get_application(app_id).version
    assert webhook(body, signature=None).status_code == 401
    assert webhook(body, signature="00" * 32).status_code == 401
    assert jobraker.get_application(app_id).version == version  # nothing recorded
    first = webhook(body)
    assert first.status_code == 200 and first.json()["outcome"] == "recorded"
    again = webhook(body)
    assert again.json()["outcome"] == "already recorded"
    application = jobraker.get_application(app_id)
    # Two events, once: what Skyvern reported (RunReported), and the move to submitted.
    assert application.status is Status.SUBMITTED and application.version == version + 2


def test_webhook_failure_and_timeout(jobraker, webhook):
    failed, timed_out = queued_application(jobraker), queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
        submit(jobraker, failed, applier, HOOK)
        submit(jobraker, timed_out, applier, HOOK)
        webhook(skyvern.run_body(skyvern.run_id(1), "failed", failure_reason="CAPTCHA could not be solved"))
        webhook(skyvern.run_body(skyvern.run_id(2), "timed_out"))
    assert jobraker.get_application(failed).failure == ("CAPTCHA could not be solved", False)
    assert jobraker.get_application(timed_out).status is Status.NEEDS_REVIEW
    assert webhook({"run_id": "tsk_unknown", "status": "completed"}).json()["outcome"] == "unknown run"
    assert webhook({"nonsense": True}).status_code == 400


def test_the_whole_loop_through_relay_and_workers(jobraker, projector, dramatiq_worker):
    """New job → projector (vector) → relay → match actor → queued → relay → submit actor
    (dry-run: no Skyvern key here) → submitted; every hop on the real Redis broker."""
    from jobraker.domain.application import application_id

    candidate_id = auto_applying_candidate(jobraker, min_score=40)
    relay = relay_from_now(jobraker)  # (its profile changes would also start a sandbox search)
    job_id, _ = jobraker.post_job(
        source="test", external_id=unique_email(), title="Python Django developer", company="Loopco",
        description="Build Django and Python services.", url="https://jobs.example.org/loop",
    )
    projector.catch_up()
    dramatiq_worker.flush_all()  # no other test's delayed messages
    for _ in range(3):  # job → match → queued → submission
        relay.catch_up()
        for queue in ("match", "apply", "default"):
            dramatiq_worker.join(queue, timeout=60_000)
        projector.catch_up()
    application = jobraker.get_application(application_id(candidate_id, job_id))
    assert application.status is Status.SUBMITTED and application.dry_run
    assert application.explanation["decision"] == "auto-apply rules met"


def test_runs_whose_webhook_never_came_are_polled(jobraker):
    from jobraker.appliers.models import SkyvernRunLink
    from jobraker.appliers.webhooks import poll_silent_runs

    done, running = queued_application(jobraker), queued_application(jobraker)
    with FakeSkyvern() as skyvern:
        applier = SkyvernApplier(skyvern.base_url, skyvern.api_key)
        submit(jobraker, done, applier, HOOK)
        submit(jobraker, running, applier, HOOK)
        SkyvernRunLink.objects.filter(run_id__in=[skyvern.run_id(1), skyvern.run_id(2)]).update(
            next_poll_at=timezone.now() - timedelta(seconds=1)
        )
        skyvern.statuses[skyvern.run_id(1)] = "completed"
        skyvern.outputs[skyvern.run_id(1)] = {"submitted": True, "confirmation": "Application received"}
        outcomes = poll_silent_runs(jobraker, applier)
    assert outcomes[skyvern.run_id(1)] == "recorded" and outcomes[skyvern.run_id(2)] == "not terminal"
    assert jobraker.get_application(done).status is Status.SUBMITTED
    assert jobraker.get_application(running).status is Status.SUBMITTING


def test_jobs_already_known_are_matched_when_a_candidate_turns_automation_on(jobraker, projector, dramatiq_worker):
    """Listings are matched as they arrive; one that arrived before the candidate switched
    automation on is matched by the switch itself (relay → match_existing_jobs)."""
    from jobraker.domain.application import application_id

    rare = f"Zyx{uuid.uuid4().hex[:6]}"
    job_id, _ = jobraker.post_job(
        source="test", external_id=unique_email(), title=f"Haskell and Elm engineer ({rare})", company="Earlyco",
        description=f"Build Haskell and Elm services with {rare}.", url="https://jobs.example.org/early",
    )
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Early Bird", "h")
    jobraker.verify_address(candidate_id)
    jobraker.change_profile(candidate_id, {"headline": "Haskell engineer", "skills": ["Haskell", "Elm", rare]})
    jobraker.give_consent(candidate_id, "auto_apply", "2026-01")
    projector.catch_up()
    relay = relay_from_now(jobraker)
    dramatiq_worker.flush_all()
    jobraker.change_automation(candidate_id, {"mode": "full", "min_score_override": 40})
    projector.catch_up()
    relay.catch_up()
    dramatiq_worker.join("match", timeout=60_000)
    application = jobraker.get_application(application_id(candidate_id, job_id))
    assert application.status in {Status.QUEUED, Status.SUBMITTING, Status.SUBMITTED}
    assert application.explanation["decision"] == "auto-apply rules met"
