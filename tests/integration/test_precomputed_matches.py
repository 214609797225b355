"""Precomputed matches (issue 15, item 4): the match_marks projection marks, the worker ranks,
the API reads by index. Every kind of update is checked against a ranking on the fly."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from jobraker.domain.errors import ApplicationExists, IllegalTransition
from jobraker.embeddings.providers import LocalE5Provider
from jobraker.matching import precomputed
from jobraker.matching.filters import Wants
from jobraker.matching.precomputed import KEPT, PAGE_SIZE, count_removed, drain, refresh_candidate, stored_matches, stored_page
from jobraker.matching.service import Seeker, top_matches
from jobraker.privacy.erasure import erase_candidate
from jobraker.privacy.leftovers import forget_leftovers
from jobraker.projections.json_format import job_json
from jobraker.projections.models import CandidateMatch, MatchMark, MatchSummary

from ..conftest import unique_email

# settle() ranks every marked candidate and listing: on the shared database, every earlier test's.
pytestmark = pytest.mark.usefixtures("module_database")


@pytest.fixture(scope="module")
def provider():
    return LocalE5Provider()


def listing(town: str, key: str, **fields):
    """A listing in the test's own town (no other test's jobs pass an on-site candidate's filters there)."""
    base = dict(source="pm", external_id=f"{town}-{key}", title="Backend Engineer (Python/Django)",
                company=f"Co {key}", location=f"{town}, England", country="gb", remote=False,
                salary_min=70000, salary_max=80000, contract_type="permanent", contract_time="full_time",
                description="Django REST APIs on PostgreSQL, Celery workers, Redis and Docker.")
    return {**base, **fields}


MARKET = {
    "django": {},
    "api": dict(title="Python API Developer", description="FastAPI and Django services, PostgreSQL, Redis."),
    "data": dict(title="Data Engineer", description="Airflow, Spark and PostgreSQL pipelines in Python."),
    "nurse": dict(title="Registered Nurse", description="Night shifts on an acute ward; NMC registration."),
    "chef": dict(title="Head Chef", description="Lead a kitchen brigade and design seasonal menus."),
    "cheap": dict(title="Junior Django Developer", salary_min=20000, salary_max=25000),
    "excluded": dict(company="Evil Corp"),
}


@pytest.fixture
def town(jobraker, projector):
    town = f"Quarrington{uuid.uuid4().hex[:8]}"
    for key, fields in MARKET.items():
        jobraker.post_job(**listing(town, key, **fields))
    projector.catch_up()
    return town


@pytest.fixture
def ada(jobraker, projector, town):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Ada Lovelace", "h")
    jobraker.change_profile(candidate_id, {
        # On-site strictly (on-site alone is a soft wish): only the test's own town, never other tests' remote jobs.
        "headline": "Backend engineer", "skills": ["Python", "Django", "PostgreSQL"], "remote": "onsite",
        "remote_strict": True, "locations": [town], "salary_floor": 50000,
    })
    jobraker.change_preferences(candidate_id, {"keywords": ["backend"], "excluded_companies": ["Evil Corp"]})
    projector.catch_up()
    return candidate_id


def settle(provider) -> None:
    """What the refresh_matches worker does, until nothing is left to do."""
    for _ in range(50):
        done = drain(provider, budget_seconds=600)
        if not (done["candidates"] or done["listings"]):
            return
    raise AssertionError("the marks never drained")


def stored(candidate_id, provider, limit=KEPT):
    found = stored_matches(candidate_id, provider.model, min(limit, KEPT))
    assert found is not None, "no precomputed matches to read"
    return found


def assert_same_as_on_the_fly(candidate_id, provider):
    """The precomputed list, its order, scores and explanations, and the filter counts, equal a
    ranking and a count made now."""
    kept = stored(candidate_id, provider)
    fresh = top_matches(candidate_id, provider, limit=KEPT)
    assert [(job.id, score) for job, score, _ in kept.results] == [(m.job.id, m.score) for m in fresh.results]
    assert [explanation for _, _, explanation in kept.results] == [m.explanation(provider.model) for m in fresh.results]
    assert kept.removed_by_filter == count_removed(Seeker.load(candidate_id).wants)[0]
    assert page_of(candidate_id, provider) == [
        {"job": job_json(job), "score": score, "explanation": explanation} for job, score, explanation in kept.results
    ][:PAGE_SIZE]
    return kept


def page_of(candidate_id, provider, limit=PAGE_SIZE):
    """The worker's pre-rendered page, as the API would send it."""
    page = stored_page(candidate_id, provider.model, limit)
    assert page is not None, "no pre-rendered page to read"
    return [json.loads(line) for line in page.lines]


def titles(kept) -> list[str]:
    return [job.external_id.split("-", 1)[1] for job, _, _ in kept.results]


def test_a_new_candidate_is_ranked_by_the_worker_as_on_the_fly(ada, provider):
    assert stored_matches(ada, provider.model, 20) is None  # not ranked yet: the API ranks on the fly
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert titles(kept)[0] in ("django", "api")
    assert {"cheap", "excluded"}.isdisjoint(titles(kept))  # below the floor; an excluded company
    assert "nurse" not in titles(kept)  # an unrelated listing stays below the relevance floor (matching/scoring.py)
    assert kept.removed_by_filter["excluded_company"] >= 1 and kept.removed_by_filter["salary_below_floor"] >= 1
    # The filter counts are those a ranking on the fly shows (fresh: these wants were never counted).
    assert kept.removed_by_filter == top_matches(ada, provider).removed_by_filter
    assert not MatchMark.objects.filter(candidate_id=ada).exists()


def test_a_new_listing_enters_the_list_and_the_counts(jobraker, projector, ada, town, provider):
    settle(provider)
    before = stored(ada, provider).removed_by_filter
    jobraker.post_job(**listing(town, "star", title="Senior Python Django PostgreSQL Backend Engineer",
                                description="Python, Django, PostgreSQL backend: our APIs, Celery and Redis."))
    jobraker.post_job(**listing(town, "lowpay", salary_min=10000, salary_max=12000))
    projector.catch_up()
    assert stored(ada, provider).results  # listing marks never hide the list meanwhile
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert "star" in titles(kept) and "lowpay" not in titles(kept)  # entered (ranked as on the fly, above); low pay filtered
    assert kept.removed_by_filter["salary_below_floor"] == before["salary_below_floor"] + 1


def test_an_expired_listing_leaves_and_moves_to_the_expired_count(jobraker, projector, ada, town, provider):
    settle(provider)
    before = stored(ada, provider)
    top_job = before.results[0][0]
    jobraker.expire_job(top_job.id)
    projector.catch_up()
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert top_job.id not in [job.id for job, _, _ in kept.results]
    assert kept.removed_by_filter["expired"] == before.removed_by_filter["expired"] + 1


def test_a_changed_listing_is_scored_again_and_recounted(jobraker, projector, ada, town, provider):
    settle(provider)
    assert "api" in titles(stored(ada, provider))
    jobraker.post_job(**listing(town, "api", **{**MARKET["api"], "salary_min": 20000, "salary_max": 21000}))
    jobraker.post_job(**listing(town, "data", **{**MARKET["data"], "description": "Django and PostgreSQL APIs in Python."}))
    projector.catch_up()
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert "api" not in titles(kept)


def test_a_preference_change_ranks_the_candidate_again(jobraker, projector, ada, provider):
    settle(provider)
    first = stored(ada, provider).results[0][0]
    jobraker.change_preferences(ada, {"excluded_companies": ["Evil Corp", first.company]})
    projector.catch_up()
    # Until the worker ranks the change, the candidate's own reads rank on the fly.
    assert stored_matches(ada, provider.model, 20) is None
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert first.id not in [job.id for job, _, _ in kept.results]


def test_applying_to_a_listing_takes_it_out(jobraker, projector, ada, provider):
    settle(provider)
    first = stored(ada, provider).results[0][0]
    jobraker.track_application(ada, first.id, applied=True)
    projector.catch_up()
    # Before the worker ranks again, the list is still read from the rows, without that job, and
    # the pre-rendered page leaves it out too.
    meanwhile = stored(ada, provider)
    assert first.id not in [job.id for job, _, _ in meanwhile.results]
    assert [m["job"]["id"] for m in page_of(ada, provider)] == [str(job.id) for job, _, _ in meanwhile.results]
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert first.id not in [job.id for job, _, _ in kept.results]
    assert kept.removed_by_filter["already_applied"] == 1


def test_a_page_holding_too_few_after_applying_is_read_from_the_rows(jobraker, projector, ada, provider, monkeypatch):
    monkeypatch.setattr(precomputed, "PAGE_SIZE", 2)
    settle(provider)
    refresh_candidate(ada, provider)
    assert len(page_of(ada, provider, limit=2)) == 2
    assert stored_page(ada, provider.model, 3) is None  # more are kept than the page holds: the rows answer
    first = stored(ada, provider).results[0][0]
    jobraker.track_application(ada, first.id, applied=True)
    projector.catch_up()
    assert stored_page(ada, provider.model, 2) is None  # one line left of two
    assert [m["job"]["id"] for m in page_of(ada, provider, limit=1)] == [str(stored(ada, provider).results[0][0].id)]


def test_a_listing_linked_as_a_duplicate_leaves_the_list_and_the_page(jobraker, projector, ada, town, provider):
    settle(provider)
    shown = stored(ada, provider).results
    duplicate, canonical = shown[0][0], shown[1][0]
    jobraker.link_duplicate(duplicate.id, canonical.id, 0.97)
    projector.catch_up()
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)  # the page included
    assert duplicate.id not in [job.id for job, _, _ in kept.results]
    assert kept.removed_by_filter["expired"] >= 1  # one listing per job: counted with the closed ones


def test_a_duplicate_comes_back_when_its_first_listing_expires(jobraker, projector, ada, town, provider):
    settle(provider)
    duplicate, canonical = [job for job, _, _ in stored(ada, provider).results[:2]]
    jobraker.link_duplicate(duplicate.id, canonical.id, 0.97)
    projector.catch_up()
    settle(provider)
    assert duplicate.id not in [job.id for job, _, _ in stored(ada, provider).results]
    jobraker.expire_job(canonical.id)
    projector.catch_up()
    settle(provider)
    kept = assert_same_as_on_the_fly(ada, provider)
    assert duplicate.id in [job.id for job, _, _ in kept.results]
    assert canonical.id not in [job.id for job, _, _ in kept.results]


def test_explanations_are_sealed_at_rest(ada, provider):
    settle(provider)
    with connection.cursor() as cursor:
        cursor.execute("SELECT explanation FROM jobraker_candidate_matches WHERE candidate_id = %s", [ada])
        explanations = [value for (value,) in cursor.fetchall()]
        cursor.execute("SELECT page FROM jobraker_match_summaries WHERE candidate_id = %s", [ada])
        [(page,)] = cursor.fetchall()
    assert explanations and all(value.startswith(f"sealed:v1:{ada}:") for value in explanations)
    assert bytes(page).startswith(b"sealed:v1:" + ada.bytes)  # bytes: no base64 to decode on each read
    assert not any("Django" in value for value in explanations) and b"Django" not in bytes(page)
    assert "Django" in stored_page(ada, provider.model, PAGE_SIZE).lines[0]  # what the page opens to


def test_erasure_removes_every_precomputed_row(jobraker, projector, ada, provider):
    settle(provider)
    assert CandidateMatch.objects.filter(candidate_id=ada).exists()
    erase_candidate(jobraker, ada, by="candidate")
    projector.catch_up()
    for model in (CandidateMatch, MatchSummary, MatchMark):
        assert not model.objects.filter(candidate_id=ada).exists(), model.__name__
    # A worker that ranked them just before the erasure and wrote after: the refresh writes nothing,
    # and the post-erasure sweep deletes what a write racing it could leave.
    assert refresh_candidate(ada, provider) is False
    CandidateMatch.objects.create(candidate_id=ada, job_id=uuid.uuid4(), score=1, explanation={})
    MatchSummary.objects.create(candidate_id=ada, model="m", removed_by_filter={}, computed_at="2026-01-01T00:00Z")
    assert forget_leftovers(ada)["precomputed_matches"] == 2
    assert not CandidateMatch.objects.filter(candidate_id=ada).exists()


def test_the_worker_actor_drains_through_the_broker(ada, dramatiq_worker, provider):
    from jobraker.workers.actors import refresh_matches

    refresh_matches.send()
    dramatiq_worker.join("match", timeout=300_000)
    assert stored_matches(ada, provider.model, 20) is not None


def test_reading_precomputed_matches_is_a_few_indexed_queries(ada, provider):
    settle(provider)
    with CaptureQueriesContext(connection) as few:
        stored_matches(ada, provider.model, 1)
    with CaptureQueriesContext(connection) as many:
        stored_matches(ada, provider.model, 100)
    assert len(few) == len(many) == 1
    with transaction.atomic(), connection.cursor() as cursor:
        # A small test table: left to itself the planner may sort a handful of rows (whatever the
        # statistics say that moment); with these off it sorts only if no index gives the order.
        cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off")
        plan = CandidateMatch.objects.filter(candidate_id=ada).order_by("-score", "-tiebreak", "job_id")[:20].explain()
    assert "candidate_match_order" in plan and "Sort" not in plan  # read in index order, no sort


def test_counts_of_no_filter_are_all_zero():
    removed, _ = count_removed(Wants(candidate_id=uuid.uuid4()))
    # Only the "expired" and "already applied" filters apply to someone who wants anything.
    assert set(removed) >= {"expired", "already_applied", "excluded_company"}
    assert removed["excluded_company"] == 0 and removed["already_applied"] == 0


# Any sequence of listings posted, changed, expired and applied to, drained at any points, leaves
# the precomputed rows and counts equal to a ranking and a count made at the end.
OPERATION = st.tuples(st.sampled_from(["post", "post_cheap", "change_cheap", "change_back", "expire", "apply", "drain"]),
                      st.integers(min_value=0, max_value=3))


@settings(max_examples=5, deadline=None, phases=[Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(operations=st.lists(OPERATION, min_size=1, max_size=6))
def test_any_sequence_of_updates_ends_equal_to_a_ranking_on_the_fly(jobraker, projector, provider, operations):
    town = f"Hypotown{uuid.uuid4().hex[:8]}"
    jobraker.post_job(**listing(town, "seed"))
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Prop Erty", "h")
    jobraker.change_profile(candidate_id, {"skills": ["Python", "Django"], "remote": "onsite", "locations": [town],
                                           "salary_floor": 50000})
    projector.catch_up()
    settle(provider)
    ids = {}
    for op, i in operations:
        if op.startswith("post") or op.startswith("change"):
            cheap = op.endswith("cheap")
            pay = dict(salary_min=20000, salary_max=22000) if cheap else {}
            try:
                ids[i], _ = jobraker.post_job(**listing(town, f"j{i}", title=f"Django developer {i}", **pay))
            except IllegalTransition:  # an expired listing cannot change
                pass
        elif op == "expire" and i in ids:
            jobraker.expire_job(ids[i])
        elif op == "apply" and i in ids:
            try:
                jobraker.track_application(candidate_id, ids[i], applied=True)
            except ApplicationExists:
                pass
        elif op == "drain":
            projector.catch_up()
            settle(provider)
    projector.catch_up()
    settle(provider)
    assert_same_as_on_the_fly(candidate_id, provider)


def test_the_scheduler_sends_the_refresh():
    from jobraker.workers import scheduler

    assert (scheduler.MATCH_REFRESH_SECONDS, scheduler.send_match_refresh) in scheduler.JOBS
    assert scheduler.MATCH_REFRESH_SECONDS <= 10
