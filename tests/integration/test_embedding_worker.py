"""Embedding left the projector (issue 15): the vectors projection records what needs embedding
(ids and positions, no text), the ``embed_pending_vectors`` actor embeds in batches and writes
the vectors, matching waits for the vector, and each projection follows the log in its own lane
so a slow one never holds the others. Real PostgreSQL, Redis and Dramatiq; the local e5 model."""

from __future__ import annotations

import os
import threading
import time
from functools import singledispatchmethod
from uuid import UUID, uuid4

import psycopg
import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobraker.domain.job import Job
from jobraker.embeddings.cache import embed_passages
from jobraker.embeddings.selection import get_provider
from jobraker.privacy.erasure import erase_candidate
from jobraker.projections import embedder
from jobraker.projections.base import Projection, ProjectionRunner
from jobraker.projections.candidates import CandidateProjection
from jobraker.projections.models import CandidateVector, EmbeddingPending, JobVector, ProjectionPosition
from jobraker.projections.vectors import VectorProjection, job_text

from ..conftest import unique_email
from .test_personal_data import jobraker_url


def vectors_only(jobraker) -> ProjectionRunner:
    """The real vectors projection, caught up to the head first (the shared log holds every test's events)."""
    runner = ProjectionRunner(jobraker, [VectorProjection()])
    runner.catch_up()
    return runner


def post(jobraker, title: str, external_id: str | None = None) -> UUID:
    """A listing; posted again with the same ``external_id``, a revision of it (Job.Changed)."""
    return jobraker.post_job(source="embed-test", external_id=external_id or unique_email(), title=title,
                             company="Acme", description="Builds things.")[0]


def claim(target_id: UUID) -> list[embedder.Claimed]:
    """A worker's claim of this target only (the others' claims are released at once)."""
    claimed = [row for row in embedder._claim(10_000) if row.target_id == target_id]
    EmbeddingPending.objects.exclude(target_id=target_id).update(claimed_until=None)
    return claimed


def test_the_projection_records_what_needs_embedding_and_embeds_nothing(jobraker, no_live_projector):
    runner = vectors_only(jobraker)
    job_id = post(jobraker, "Cartographer of tide tables")
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Pending Person", "h")
    jobraker.change_profile(candidate_id, {"headline": "Tide-table cartographer", "skills": ["Charts"]})
    runner.catch_up()
    assert set(EmbeddingPending.objects.filter(target_id__in=[job_id, candidate_id]).values_list("target_id", "kind")) == {
        (job_id, "job"), (candidate_id, "candidate")}
    assert not JobVector.objects.filter(job_id=job_id).exists()
    assert not CandidateVector.objects.filter(candidate_id=candidate_id).exists()
    with psycopg.connect(jobraker_url()) as conn:  # ids and positions only: nothing of the person's text
        columns = {c for (c,) in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_name = 'jobraker_embedding_pending'").fetchall()}
    assert columns == {"target_id", "kind", "since", "position", "claimed_until"}

    embedder.embed_until_done(get_provider())
    assert not EmbeddingPending.objects.filter(target_id__in=[job_id, candidate_id]).exists()
    [expected] = embed_passages(get_provider(), [job_text({"title": "Cartographer of tide tables", "company": "Acme",
                                                          "location": "", "description": "Builds things."})])
    assert list(JobVector.objects.get(job_id=job_id).embedding) == pytest.approx(expected)
    assert CandidateVector.objects.get(candidate_id=candidate_id).embedding is not None


def test_the_actor_embeds_what_the_projector_recorded(jobraker, no_live_projector, dramatiq_worker):
    from jobraker.components import redis_client

    runner = vectors_only(jobraker)
    redis_client().delete(embedder.NUDGE_KEY)  # a nudge left by another test with no worker running
    job_id = post(jobraker, "Lighthouse keeper")
    runner.catch_up()  # its commit sends the message
    deadline = time.monotonic() + 60
    while not JobVector.objects.filter(job_id=job_id).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert JobVector.objects.filter(job_id=job_id).exists()
    assert not EmbeddingPending.objects.filter(target_id=job_id).exists()


def test_a_change_during_embedding_stays_pending_from_after_what_was_embedded(jobraker, no_live_projector):
    runner = vectors_only(jobraker)
    external_id = unique_email()
    job_id = post(jobraker, "Glassblower", external_id)
    runner.catch_up()
    [claimed] = claim(job_id)
    post(jobraker, "Senior glassblower", external_id)
    runner.catch_up()
    texts = {claimed.target_id: embedder._text_of(claimed)}
    embedder._write([claimed], texts, dict(zip(texts, embed_passages(get_provider(), list(texts.values())))), "m")
    pending = EmbeddingPending.objects.get(target_id=job_id)
    assert pending.claimed_until is None and pending.since == claimed.position + 1
    assert embedder.vector_ready(job_id, claimed.position) and not embedder.vector_ready(job_id, pending.position)


def test_an_erasure_while_embedding_leaves_no_vector(jobraker, no_live_projector):
    runner = vectors_only(jobraker)
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Erased Meanwhile", "h")
    jobraker.change_profile(candidate_id, {"headline": "Soon gone"})
    runner.catch_up()
    [claimed] = claim(candidate_id)
    text = embedder._text_of(claimed)  # read before the erasure
    erase_candidate(jobraker, candidate_id, "candidate")
    runner.catch_up()  # the projection deletes the pending row
    vector = embed_passages(get_provider(), [text], subject_id=candidate_id)
    embedder._write([claimed], {candidate_id: text}, {candidate_id: vector[0]}, "m")
    assert not CandidateVector.objects.filter(candidate_id=candidate_id).exists()


def test_matching_waits_for_the_candidates_vector(jobraker, no_live_projector):
    runner = vectors_only(jobraker)
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Waiting Person", "h")
    position = jobraker.change_profile(candidate_id, {"headline": "Beekeeper"})
    assert not embedder.vector_ready(candidate_id, position)  # the projection has not read it
    runner.catch_up()
    assert not embedder.vector_ready(candidate_id, position)  # recorded, not embedded
    embedder.embed_until_done(get_provider())
    assert embedder.vector_ready(candidate_id, position)


# A title per step: the job is revised to it; "embed" runs a worker's round over what is pending.
steps = st.lists(st.one_of(st.sampled_from(["embed", "claim"]), st.integers(0, 3).map(lambda n: f"Title {n}")),
                 min_size=1, max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_whatever_the_interleaving_a_ready_vector_is_of_the_latest_text(jobraker, no_live_projector, steps):
    """Changes, worker rounds and claims that a killed worker left, in any order: whenever the
    job's vector counts as ready for its latest change, it is the latest text's vector; after a
    last round, it is always ready."""
    runner = vectors_only(jobraker)
    external_id = unique_email()
    job_id = post(jobraker, "Title start", external_id)
    title, position = "Title start", jobraker.recorder.max_notification_id()
    runner.catch_up()
    for step in [*steps, "expire-claims", "embed"]:
        if step == "embed":
            embedder.embed_until_done(get_provider())
        elif step == "claim":  # a worker claims and dies
            claim(job_id)
        elif step == "expire-claims":
            EmbeddingPending.objects.filter(target_id=job_id).update(claimed_until=None)
        elif step != title:
            post(jobraker, step, external_id)
            title, position = step, jobraker.recorder.max_notification_id()
            runner.catch_up()
        if embedder.vector_ready(job_id, position):
            expected = embed_passages(get_provider(), [job_text({"title": title, "company": "Acme", "location": "",
                                                                "description": "Builds things."})])[0]
            assert list(JobVector.objects.get(job_id=job_id).embedding) == pytest.approx(expected)
    assert embedder.vector_ready(job_id, position)


class SlowJobs(Projection):
    """Takes a quarter of a second per listing: a burst of them keeps it busy for seconds."""

    def __init__(self) -> None:
        self.name = f"slow-{uuid4().hex[:8]}"

    def reset(self) -> None:
        pass

    @singledispatchmethod
    def process(self, event: object, position: int) -> None:
        pass

    @process.register
    def _posted(self, event: Job.Posted, position: int) -> None:
        time.sleep(0.25)


@pytest.mark.timeout(120)
def test_a_slow_projection_never_holds_the_one_login_needs(jobraker, no_live_projector):
    candidates = CandidateProjection()
    ProjectionRunner(jobraker, [candidates]).catch_up()
    slow = SlowJobs()
    ProjectionPosition.objects.create(name=slow.name, position=jobraker.recorder.max_notification_id())
    runner = ProjectionRunner(jobraker, [slow, candidates])
    stop = threading.Event()

    def follow() -> None:
        try:
            runner.run_forever(stop, os.environ["DATABASE_URL"], poll_seconds=0.2)
        finally:
            connection.close()

    thread = threading.Thread(target=follow, daemon=True)
    thread.start()
    try:
        for n in range(20):  # five seconds of work for the slow projection
            post(jobraker, f"Burst listing {n}")
        time.sleep(0.5)  # the slow one is busy now
        _, position = jobraker.register_candidate(unique_email(), "Logs In Meanwhile", "h")
        registered = time.monotonic()
        while ProjectionPosition.objects.get(name="candidates").position < position and time.monotonic() - registered < 30:
            time.sleep(0.02)
        waited = time.monotonic() - registered
        slow_position = ProjectionPosition.objects.get(name=slow.name).position
    finally:
        stop.set()
        thread.join(timeout=30)
    assert waited < 2.0
    assert slow_position < position  # still busy with the burst: it did not hold the candidates


def test_health_and_status_report_the_vectors_waiting_for_the_worker(jobraker, no_live_projector, capsys):
    from django.test import Client

    from jobraker import cli

    runner = vectors_only(jobraker)
    post(jobraker, "Waiting to be embedded")
    runner.catch_up()
    body = Client().get("/health/ready").json()
    assert body["vectors_pending"]["count"] >= 1 and body["vectors_pending"]["oldest_seconds"] >= 0
    capsys.readouterr()
    assert cli.main(["projections", "status"]) == 0
    [vectors_row] = [line for line in capsys.readouterr().out.splitlines() if line.split()[:1] == ["vectors"]]
    assert "to embed by the worker" in vectors_row
    embedder.embed_until_done(get_provider())
    assert Client().get("/health/ready").json()["vectors_pending"] == {"count": 0, "oldest_seconds": 0.0}


def test_the_projector_runs_only_or_all_but_the_named_projections():
    from jobraker import cli
    from jobraker.runtime.supervisor import COMMANDS, LOGIN_PROJECTOR, PROCESSES

    assert cli.main(["projector", "--only", "candidates,nope"]) == 2  # an unknown name: refused, nothing run
    assert {"projector", LOGIN_PROJECTOR} <= set(PROCESSES)
    assert COMMANDS[LOGIN_PROJECTOR] == ("projector", "--only", "candidates")
    assert COMMANDS["projector"] == ("projector", "--skip", "candidates")
