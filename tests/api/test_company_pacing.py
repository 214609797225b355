"""Per-company pacing and skip reasons (issue 14, item 8): at most N applications per candidate
to one company in 30 days (a strategy level the candidate may override), and a skip reason
(a code, never personal text) recorded on every match that was not sent, shown in the API
and the timeline. Through the real event store; a Hypothesis property over arbitrary
sequences of matches, "apply now" requests and passing days checks the limit is never exceeded."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import dramatiq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.api.automation_fields import automation_changes
from jobraker.appliers.submit import preparer
from jobraker.domain.application import Application, Status
from jobraker.domain.automation import PACING_WINDOW, STRATEGIES
from jobraker.domain.candidate import Candidate
from jobraker.domain.errors import InvalidValue
from jobraker.domain.pacing import CompanyLimitReached, CompanyPacing, company_key, pacing_id
from jobraker.domain.policy import SKIP_REASONS
from jobraker.eventstore.app import get_jobraker

from ..api_helpers import caught_up, operator, signed_in
from ..conftest import unique_email

HOOK = "http://127.0.0.1:8000/api/v1/webhooks/skyvern"
PREPARE = preparer(HOOK, timedelta(hours=72))
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def candidate_in(jobraker, mode: str = "full", **levels) -> UUID:
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Ada Lovelace", "h", address_verified=True)
    jobraker.change_profile(candidate_id, {"headline": "Backend engineer", "skills": ["Python", "Django"]})
    jobraker.give_consent(candidate_id, "auto_apply", "2026-01")
    jobraker.change_automation(candidate_id, {"mode": mode, **automation_changes(levels)})
    return candidate_id


def new_job(jobraker, company: str) -> UUID:
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Django developer",
                                  company=company, url="https://jobs.example.org/apply/pacing")
    return job_id


def match(jobraker, candidate_id: UUID, company: str, now: datetime = T0, score: int = 90) -> Application:
    app_id, _, _ = jobraker.record_match(candidate_id, new_job(jobraker, company), score, "test-model", {}, prepare=PREPARE,
                                         now=now)
    return jobraker.get_application(app_id)


# ---------------------------------------------------------------------------
# The aggregate and the decision


def test_the_count_refuses_at_the_limit_and_frees_a_place_after_thirty_days():
    pacing = CompanyPacing.open(uuid4(), "Acme")
    first, second, third = uuid4(), uuid4(), uuid4()
    pacing.count(first, T0, limit=2)
    pacing.count(second, T0 + timedelta(days=10), limit=2)
    pacing.count(second, T0 + timedelta(days=11), limit=2)  # counting one again changes nothing
    assert pacing.within_window(T0 + timedelta(days=11)) == 2
    with pytest.raises(CompanyLimitReached):
        pacing.count(third, T0 + timedelta(days=29), limit=2)
    pacing.count(third, T0 + PACING_WINDOW + timedelta(seconds=1), limit=2)  # the first has left the window
    pacing.count(uuid4(), T0 + timedelta(days=31), limit=None)  # the candidate's own choice: counted, never refused
    assert pacing.within_window(T0 + timedelta(days=31)) == 3


def test_one_company_however_its_listings_spell_it():
    candidate_id = uuid4()
    assert company_key("  ACME   Ltd ") == company_key("acme ltd")
    assert pacing_id(candidate_id, "Acme Ltd") == pacing_id(candidate_id, " acme  LTD")
    assert pacing_id(candidate_id, "Acme Ltd") != pacing_id(uuid4(), "Acme Ltd")  # per candidate


def test_the_events_hold_no_company_name():
    pacing = CompanyPacing.open(uuid4(), "Zanzibarite Holdings")
    pacing.count(uuid4(), T0, limit=2)
    for recorded in pacing.collect_events():
        assert "Zanzibarite" not in repr(vars(recorded))


def test_a_skip_reason_is_a_code_never_text():
    application = Application.match(uuid4(), uuid4(), 80)
    with pytest.raises(InvalidValue):
        application.skip_sending("Ada Lovelace asked to skip")
    application.skip_sending("company_limit")
    application.skip_sending("company_limit")  # the same reason in a row records once
    assert [type(e).__name__ for e in application.collect_events()] == ["Started", "SendSkipped"]


@pytest.mark.parametrize("strategy", list(STRATEGIES))
def test_each_strategy_has_a_company_limit_and_the_default_is_two(strategy):
    assert 1 <= STRATEGIES[strategy].company_limit <= 3
    assert STRATEGIES["balanced"].company_limit == 2


# ---------------------------------------------------------------------------
# Through the store


def test_the_third_match_to_one_company_is_skipped_and_others_still_go(jobraker):
    candidate_id = candidate_in(jobraker)
    sent = [match(jobraker, candidate_id, "Acme", T0 + timedelta(days=d)) for d in (0, 1)]
    assert [a.status for a in sent] == [Status.QUEUED, Status.QUEUED]
    skipped = match(jobraker, candidate_id, "ACME", T0 + timedelta(days=2))
    assert skipped.status is Status.MATCHED and skipped.skip_reason == "company_limit"
    assert skipped.explanation["automation"]["company_limit"] == 2
    assert match(jobraker, candidate_id, "Initech", T0 + timedelta(days=2)).status is Status.QUEUED
    assert match(jobraker, candidate_id, "Acme", T0 + timedelta(days=31)).status is Status.QUEUED  # a place is free again


def test_the_limit_is_overridable_and_approve_mode_counts_what_it_prepares(jobraker):
    candidate_id = candidate_in(jobraker, "approve", company_limit=1)
    assert jobraker.get_candidate(candidate_id).auto_apply.company_limit == 1
    assert match(jobraker, candidate_id, "Acme").status is Status.PENDING_APPROVAL
    assert match(jobraker, candidate_id, "Acme").skip_reason == "company_limit"


@pytest.mark.parametrize(("mode", "levels", "score", "company", "reason"), [
    ("suggest", {}, 90, "Acme", "suggest_mode"),
    ("full", {"min_score": 95}, 90, "Acme", "below_score"),
    ("full", {}, 90, "Excluded Corp", "excluded_company"),
])
def test_every_match_not_sent_records_why(jobraker, mode, levels, score, company, reason):
    candidate_id = candidate_in(jobraker, mode, **levels)
    jobraker.change_preferences(candidate_id, {"excluded_companies": ["Excluded Corp"]})
    application = match(jobraker, candidate_id, company, score=score)
    assert application.status is Status.MATCHED and application.skip_reason == reason


def test_no_consent_records_why(jobraker):
    candidate_id = candidate_in(jobraker)
    jobraker.withdraw_consent(candidate_id, "auto_apply")  # falls back to suggest mode
    assert match(jobraker, candidate_id, "Acme").skip_reason == "suggest_mode"


def test_apply_now_counts_but_is_not_refused_by_the_limit(jobraker):
    candidate_id = candidate_in(jobraker, company_limit=1)
    chosen, _ = jobraker.apply_to_listing(candidate_id, new_job(jobraker, "Acme"), 80, "m", {}, PREPARE, now=T0)
    again, _ = jobraker.apply_to_listing(candidate_id, new_job(jobraker, "Acme"), 80, "m", {}, PREPARE, now=T0)
    assert {jobraker.get_application(a).status for a in (chosen, again)} == {Status.QUEUED}
    assert match(jobraker, candidate_id, "Acme").skip_reason == "company_limit"  # the automatic one waits its turn


def test_racing_matches_never_pass_the_limit(jobraker):
    """Workers matching the same company at once: the count's version decides, only one wins the place."""
    candidate_id = candidate_in(jobraker, company_limit=1)
    jobs = [new_job(jobraker, "Racing Ltd") for _ in range(4)]
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def race(job_id: UUID) -> None:
        barrier.wait()
        _, _, decision = jobraker.record_match(candidate_id, job_id, 90, "m", {}, prepare=PREPARE, now=T0)
        outcomes.append(decision.action)

    threads = [threading.Thread(target=race, args=(j,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["none", "none", "none", "queue"]
    assert jobraker.get_pacing(candidate_id, "racing ltd").within_window(T0) == 1


def test_an_old_settings_event_reads_with_the_strategys_company_limit():
    state = {"mode": "full", "strategy": "aggressive", "min_score_override": None, "daily_cap_override": None,
             "strict_filters_override": None}
    Candidate.AutoApplySettingsChanged.upcast_v2_v3(state)
    assert state["company_limit_override"] is None


# ---------------------------------------------------------------------------
# The property: arbitrary sequences never exceed the company limit

steps = st.lists(
    st.tuples(st.sampled_from(["Acme", "acme ", "Initech", "Globex"]), st.integers(0, 20), st.sampled_from(["match", "apply_now"])),
    min_size=1, max_size=12,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(limit=st.integers(1, 3), sequence=steps)
def test_arbitrary_sequences_never_exceed_the_company_limit(jobraker, limit, sequence):
    candidate_id = candidate_in(jobraker, company_limit=limit)
    now = T0
    sent: dict[str, list[tuple[datetime, str]]] = {}  # company → (when, how) of every application sent on
    for company, days, how in sequence:
        now += timedelta(days=days, minutes=1)
        before = [at for at, _ in sent.get(company_key(company), []) if at > now - PACING_WINDOW]
        if how == "apply_now":
            app_id, _ = jobraker.apply_to_listing(candidate_id, new_job(jobraker, company), 80, "m", {}, PREPARE, now=now)
            application = jobraker.get_application(app_id)
            assert application.status is Status.QUEUED  # the candidate's own choice is never refused
        else:
            application = match(jobraker, candidate_id, company, now)
            if len(before) >= limit:
                assert application.status is Status.MATCHED and application.skip_reason == "company_limit"
            else:
                assert application.status is Status.QUEUED and application.skip_reason is None
        if application.status is Status.QUEUED:
            sent.setdefault(company_key(company), []).append((now, how))
    for history in sent.values():
        for at, how in history:
            if how == "match":  # Jobraker's own sends: never more than the limit in any 30 days ending at one
                assert sum(at - PACING_WINDOW < other <= at for other, _ in history) <= limit


# ---------------------------------------------------------------------------
# Daily cap: the submit actor records why a queued application waits


def test_the_daily_cap_is_recorded_once_as_the_skip_reason(jobraker):
    from jobraker.components import redis_client
    from jobraker.workers import actors

    candidate_id = candidate_in(jobraker, daily_cap=1)
    application = match(jobraker, candidate_id, f"Capped {uuid4().hex[:6]}", datetime.now(UTC))
    assert application.status is Status.QUEUED
    redis_client().set(f"jobraker:apply:daily:{candidate_id}:{date.today().isoformat()}", 1, ex=600)  # today's one is used
    for _ in range(2):  # a redelivery finds the reason recorded already
        with pytest.raises(dramatiq.Retry):
            actors.submit_application.fn(str(application.id), "test")
    after = jobraker.get_application(application.id)
    assert after.status is Status.QUEUED and after.skip_reason == "daily_cap"
    assert after.version == application.version + 1


# ---------------------------------------------------------------------------
# The API and the timeline


def test_the_skip_reason_is_in_the_api_and_the_timeline(live_projector):
    client, created, _ = signed_in(name="Paced Person")
    other, _, _ = signed_in(name="Other Person")
    staff = operator_staff()
    jobraker = get_jobraker()
    candidate_id = UUID(created["id"])
    jobraker.give_consent(candidate_id, "auto_apply", "2026-01")
    jobraker.change_automation(candidate_id, {"mode": "full", "company_limit_override": 1})
    company = f"Paced {uuid4().hex[:6]}"
    match(jobraker, candidate_id, company, datetime.now(UTC))
    app_id, position, _ = jobraker.record_match(candidate_id, new_job(jobraker, company), 90, "m", {}, prepare=PREPARE)
    body = client.get(f"/api/v1/applications/{app_id}", **caught_up(position)).json()
    assert body["status"] == "matched" and body["skip_reason"] == "company_limit"
    assert ("skipped", {"skip_reason": "company_limit"}) in [(e["action"], e["detail"]) for e in body["timeline"]]
    listed = client.get("/api/v1/applications?status=matched").json()["results"]
    assert [a["skip_reason"] for a in listed if a["id"] == str(app_id)] == ["company_limit"]
    assert staff.get(f"/api/v1/applications/{app_id}").json()["skip_reason"] == "company_limit"
    assert other.get(f"/api/v1/applications/{app_id}").status_code == 404
    from rest_framework.test import APIClient

    assert APIClient().get(f"/api/v1/applications/{app_id}").status_code == 401
    # Automation shows the limit in force, and it can be overridden like the other levels.
    assert client.get("/api/v1/candidates/me/automation", **caught_up(position)).json()["effective"]["company_limit"] == 1


def operator_staff():
    from jobraker.accounts.models import Role

    return operator(Role.STAFF)


def test_skip_reasons_are_the_documented_codes():
    assert SKIP_REASONS >= {"daily_cap", "company_limit", "excluded_company", "below_score", "needs_input"}
