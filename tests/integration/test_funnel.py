"""The funnel (issue 18, item 5): matched → sent → confirmed → replied → interview → offer per
source, strategy and resume, with response rates and median days, from a projection; shown in
the candidate's pipeline and on the Operations page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from jobraker.domain.application import Actor
from jobraker.projections.funnel import FunnelProjection, funnel
from jobraker.projections.models import FunnelEntry

from ..conftest import unique_email


def _matched(jobraker, candidate_id, source: str, strategy: str):
    jid, _ = jobraker.post_job(source=source, external_id=f"funnel-{uuid4().hex}", title="Baker", company="Contoso",
                               location="Leeds", country="gb", description="Bread", url="https://jobs.example.org/1")
    explanation = {"matched_skills": ["baking"], "automation": {"strategy": strategy, "mode": "full"}}
    application_id, _ = jobraker.shortlist_match(candidate_id, jid, 80, "local", explanation, Actor.SYSTEM)
    return application_id


def _through(jobraker, application_id, resume_id, *, reply: str | None) -> None:
    application = jobraker.get_application(application_id)
    application.queue(Actor.SYSTEM)
    application.start_submission()
    application.record_submission_sent({"url": "https://jobs.example.org/1"}, "tsk_1", False, "sandbox", resume_id=resume_id)
    application.record_submitted(Actor.SYSTEM)
    if reply == "interview":
        application.schedule_interview(datetime.now(UTC) + timedelta(days=3), Actor.CANDIDATE)
        application.record_offer(Actor.CANDIDATE)
    elif reply == "rejected":
        application.record_rejection(Actor.CANDIDATE)
    jobraker.save(application)


def test_the_funnel_counts_each_stage_per_source_strategy_and_resume(jobraker, projector):
    candidate_id, _ = jobraker.register_candidate(unique_email(), "Funnel Person", "h")
    resume = uuid4()
    board = _matched(jobraker, candidate_id, "greenhouse", "selective")
    aggregator = _matched(jobraker, candidate_id, "adzuna", "balanced")
    quiet = _matched(jobraker, candidate_id, "adzuna", "balanced")
    _matched(jobraker, candidate_id, "adzuna", "balanced")  # matched, never sent
    _through(jobraker, board, resume, reply="interview")
    _through(jobraker, aggregator, resume, reply="rejected")
    _through(jobraker, quiet, None, reply=None)
    projector.catch_up()

    result = funnel(FunnelEntry.objects.filter(candidate_id=candidate_id))
    overall = result["all"]
    assert [overall[s] for s in result["stages"]] == [4, 3, 3, 2, 1, 1]
    assert overall["response_rate"] == round(2 / 3, 3)
    assert overall["median_days"]["matched_to_sent"] is not None and overall["median_days"]["interview_to_offer"] is not None
    assert result["by_source"]["greenhouse"]["offer"] == 1 and result["by_source"]["adzuna"]["matched"] == 3
    assert result["by_source"]["adzuna"]["response_rate"] == 0.5
    assert result["by_strategy"]["selective"]["interview"] == 1 and result["by_strategy"]["balanced"]["sent"] == 2
    assert result["by_resume"][str(resume)]["sent"] == 2 and result["by_resume"]["not sent"]["sent"] == 1


def test_a_replayed_event_changes_nothing_and_erasure_drops_the_rows(jobraker, projector):
    from jobraker.privacy.erasure import erase_candidate

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Replayed Person", "h")
    application_id = _matched(jobraker, candidate_id, "lever", "aggressive")
    _through(jobraker, application_id, uuid4(), reply="rejected")
    projector.catch_up()
    rows = lambda: list(FunnelEntry.objects.filter(candidate_id=candidate_id).values())  # noqa: E731
    before = rows()
    projection = FunnelProjection()
    for stored in jobraker.events.get(application_id):  # every event of the stream applied once more
        projection.process(stored, before[0]["position"])
    after = rows()
    assert [{k: v for k, v in r.items() if k != "position"} for r in after] == \
        [{k: v for k, v in r.items() if k != "position"} for r in before]
    assert before[0]["replied_at"] is not None and before[0]["strategy"] == "aggressive"
    erase_candidate(jobraker, candidate_id, by="test")
    projector.catch_up()
    assert rows() == []


def test_the_pipeline_endpoint_carries_the_funnel(live_projector):
    from ..api_helpers import signed_in

    client, _, _ = signed_in(name="Pipeline Person")
    body = client.get("/api/v1/candidates/me/pipeline").json()
    assert body["funnel"]["stages"] == ["matched", "sent", "confirmed", "replied", "interview", "offer"]
    assert body["funnel"]["all"]["matched"] == 0 and body["funnel"]["all"]["response_rate"] is None


def test_the_operations_page_shows_the_funnel_per_source_and_strategy(jobraker, projector):
    from jobraker.accounts.models import Role

    from .test_operations_queues import browser_for

    candidate_id, _ = jobraker.register_candidate(unique_email(), "Ops Funnel Person", "h")
    _through(jobraker, _matched(jobraker, candidate_id, "ashby", "selective"), uuid4(), reply="interview")
    projector.catch_up()
    page = browser_for(Role.STAFF, is_staff=True).get("/admin/operations/").content.decode()
    assert 'id="funnel"' in page and "<td>source</td><td>ashby</td>" in page and "<td>strategy</td><td>selective</td>" in page
