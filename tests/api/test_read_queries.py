"""The most read pages do a fixed number of queries however many rows they show (no N+1), and
answer what the DRF serializers describe; the matches endpoint's authorization matrix."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from jobraker.accounts.models import Account, Role
from jobraker.api.serializers import ApplicationDetailSerializer, ApplicationSerializer
from jobraker.embeddings.selection import get_provider
from jobraker.eventstore.app import get_jobraker
from jobraker.matching.precomputed import drain, stored_page
from jobraker.matching.service import top_matches
from jobraker.projections.models import ApplicationRecord, JobRecord, MatchSummary

from ..conftest import unique_email

APPLICATIONS = 50

pytestmark = pytest.mark.usefixtures("module_database")  # drain() ranks every marked candidate: only this module's


def jobs_of(records):
    """What the DRF serializers take as context: the applications' jobs."""
    return {job.id: job for job in JobRecord.with_tracked.filter(id__in={r.job_id for r in records})}


def client_of(account_id) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(Account.objects.get(id=account_id))}")
    return client


def staff_client(role: Role) -> APIClient:
    account = Account.objects.create_user(unique_email(role.value), "correct horse battery staple", role=role,
                                          is_staff=role == Role.STAFF)
    return client_of(account.id)


@pytest.fixture(scope="module")
def pipeline(module_database, django_db_blocker):
    """A candidate with 50 applications (one with a long timeline), projected."""
    from jobraker.eventstore.app import get_jobraker
    from jobraker.projections.base import ProjectionRunner
    from jobraker.projections.registry import all_projections

    with django_db_blocker.unblock():
        jobraker = get_jobraker()
        town = f"Readtown{uuid.uuid4().hex[:8]}"
        candidate_id, _ = jobraker.register_candidate(unique_email(), "Reader", "h")
        # On-site only, strictly (remote_strict): the jobs in their own town, none of other tests' remote ones.
        jobraker.change_profile(candidate_id, {"skills": ["Python", "Django"], "remote": "onsite", "remote_strict": True,
                                               "locations": [town]})
        applications = []
        for i in range(APPLICATIONS + 5):
            job_id, _ = jobraker.post_job(source="rq", external_id=f"{town}-{i}", title=f"Django developer {i}",
                                          company=f"Co {i}", location=town, country="gb",
                                          description="Python and Django services.")
            if i < APPLICATIONS:
                # Some shortlisted, so the status filter has both kinds to tell apart.
                applied = i < 2 or i % 3 != 0
                applications.append(jobraker.track_application(candidate_id, job_id, applied=applied)[0])
        for n in range(12):
            jobraker.add_note(applications[0], f"note {n}", actor_candidate())
        other_id, _ = jobraker.register_candidate(unique_email(), "Other", "h")
        ProjectionRunner(jobraker, all_projections()).catch_up()
        return {"candidate": candidate_id, "other": other_id, "applications": applications}


def actor_candidate():
    from jobraker.domain.application import Actor

    return Actor.CANDIDATE


def queries(client: APIClient, path: str, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(captured), response.json()


def test_the_applications_list_does_the_same_queries_for_5_or_50_rows(pipeline):
    client = client_of(pipeline["candidate"])
    few, small = queries(client, "/api/v1/applications", page_size=5)
    many, large = queries(client, "/api/v1/applications", page_size=APPLICATIONS)
    assert len(small["results"]) == 5 and len(large["results"]) == APPLICATIONS
    assert few == many <= 2, (few, many)  # the account (authentication), then the page with its jobs
    assert_reads_as_described(client, page_size=APPLICATIONS)


def assert_reads_as_described(client: APIClient, **params) -> None:
    """Byte for byte, the list (rendered by PostgreSQL, spliced) is what DRF renders for the
    same rows through ``ApplicationSerializer`` and the cursor paginator."""
    response = client.get("/api/v1/applications", params)
    assert response.status_code == 200, response.content
    body = response.json()
    shown = [row["id"] for row in body["results"]]
    records = {str(r.id): r for r in ApplicationRecord.objects.filter(id__in=shown)}
    page = [records[i] for i in shown]
    described = ApplicationSerializer(page, many=True, context={"jobs": jobs_of(page)}).data
    expected = {"next": body["next"], "previous": body["previous"], "results": described}
    assert response.content == JSONRenderer().render(expected)
    assert response["Content-Type"] == "application/json"


def test_the_list_reads_as_described_whatever_its_text_and_times(pipeline):
    """Text that needs escaping (quotes, backslashes, control characters, the line separators
    JavaScript refuses, non-Latin script) and times with and without microseconds, or none.
    In a transaction rolled back at the end (the test client shares its connection), so the
    module's other tests read the pipeline as built."""
    from django.db import transaction
    from django.utils import timezone

    mine = list(ApplicationRecord.objects.filter(candidate_id=pipeline["candidate"]).order_by("-created_at", "-id")[:4])
    on_the_second = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        JobRecord.with_tracked.filter(id=mine[0].job_id).update(
            title='Senior "Python" \\ dev\u2028line\u2029para\ttab\x01\x1f', company="Zürich Ωmega 東京 😀",
            url="https://x.test/a?b=1&c=<d>")
        JobRecord.with_tracked.filter(id=mine[1].job_id).delete()  # no job row: "job" is null
        # A position without microseconds: the next page starts after it, not at it again.
        ApplicationRecord.objects.filter(id=mine[1].id).update(created_at=mine[1].created_at.replace(microsecond=0))
        ApplicationRecord.objects.filter(id=mine[2].id).update(updated_at=on_the_second, submitted_at=None)
        ApplicationRecord.objects.filter(id=mine[3].id).update(updated_at=on_the_second.replace(microsecond=7),
                                                               submitted_at=on_the_second.replace(microsecond=999999))
        client = client_of(pipeline["candidate"])
        assert_reads_as_described(client, page_size=6)
        in_order = [str(i) for i in ApplicationRecord.objects.filter(candidate_id=pipeline["candidate"])
                    .order_by("-created_at", "-id").values_list("id", flat=True)[:6]]
        paged, response = [], client.get("/api/v1/applications", {"page_size": 1})
        while len(paged) < 6:
            paged += ids(response)
            response = client.get(response.json()["next"])
        assert paged == in_order
        transaction.set_rollback(True)


def test_the_timeline_does_the_same_queries_for_1_or_13_entries(pipeline):
    client = client_of(pipeline["candidate"])
    short_count, short = queries(client, f"/api/v1/applications/{pipeline['applications'][1]}")
    long_count, long = queries(client, f"/api/v1/applications/{pipeline['applications'][0]}")
    assert len(short["timeline"]) == 1 and len(long["timeline"]) == 13
    assert short_count == long_count == 2, (short_count, long_count)  # the account, the application with its timeline
    record = ApplicationRecord.objects.get(id=pipeline["applications"][0])
    described = json.loads(JSONRenderer().render(ApplicationDetailSerializer(record, context={"jobs": jobs_of([record])}).data))
    assert {k: v for k, v in long.items() if k not in ("prepared_submission", "cover_letter")} == described
    assert long["prepared_submission"] is None and long["cover_letter"] is None


def test_the_pipeline_pages_are_planned_once_per_connection(pipeline):
    """Their statements are prepared on first use: a second read plans nothing again
    (projections/prepared.py). PostgreSQL lists a connection's prepared statements."""
    client = client_of(pipeline["candidate"])
    for _ in range(3):
        queries(client, "/api/v1/applications", page_size=5)
        queries(client, f"/api/v1/applications/{pipeline['applications'][0]}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    reads = [s for s in prepared if "FROM jobraker_applications AS a LEFT JOIN jobraker_jobs" in s]
    assert len(reads) == 2, prepared  # the list and the detail, each prepared once
    assert all("$1" in s for s in reads)  # bound on the server, not spliced in as text


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_list_pages_forward_and_back_in_the_orms_order(pipeline):
    client = client_of(pipeline["candidate"])
    expected = [str(i) for i in ApplicationRecord.objects.filter(candidate_id=pipeline["candidate"])
                .order_by("-created_at", "-id").values_list("id", flat=True)]
    pages, response = [], client.get("/api/v1/applications", {"page_size": 7})
    while True:
        pages.append(ids(response))
        if response.json()["next"] is None:
            break
        response = client.get(response.json()["next"])
    assert [i for page in pages for i in page] == expected and len(pages) == 8
    back = [pages[-1]]
    while (previous := response.json()["previous"]) is not None:
        response = client.get(previous)
        back.append(ids(response))
    assert back == pages[::-1]


def test_the_list_filters_read_as_the_orm_filters(pipeline):
    client = client_of(pipeline["candidate"])
    mine = ApplicationRecord.objects.filter(candidate_id=pipeline["candidate"]).order_by("-created_at", "-id")
    tenth = mine[9].created_at
    with_company = JobRecord.with_tracked.filter(company__icontains="co 1").values("id")
    cases = [
        ({"status": "shortlisted"}, mine.filter(status="shortlisted")),
        ({"status": "submitted"}, mine.filter(status="submitted")),
        ({"company": "co 1"}, mine.filter(job_id__in=with_company)),  # any case, contains: Co 1, Co 10–19
        ({"company": "%"}, mine.none()),  # a wildcard is a character like any other
        ({"company": "_"}, mine.none()),
        ({"created_after": tenth.isoformat()}, mine.filter(created_at__gte=tenth)),
        ({"created_before": tenth.isoformat()}, mine.filter(created_at__lt=tenth)),
        ({"status": "submitted", "created_before": tenth.isoformat()}, mine.filter(status="submitted", created_at__lt=tenth)),
    ]
    for query, records in cases:
        expected = [str(i) for i in records.values_list("id", flat=True)]
        assert 0 < len(expected) < APPLICATIONS or "company" in query and query["company"] in "%_", query
        assert ids(client.get("/api/v1/applications", {**query, "page_size": 100})) == expected, query


def test_a_sent_application_reads_as_the_serializer_describes_it(pipeline):
    """The submission's sealed columns (reason, recording and screenshots, app page) open in the
    detail as they do through the model."""
    from django.utils import timezone

    from jobraker.appliers.models import SubmissionRecord

    application_id = pipeline["applications"][2]
    SubmissionRecord.objects.update_or_create(application_id=application_id, defaults=dict(
        candidate_id=pipeline["candidate"], applier="sandbox", run_id="wr_1", verification="confirmed",
        reason="Thank you for applying, Reader", run_status="completed", recording_url="https://skyvern.example/r/1",
        screenshot_urls=["https://skyvern.example/s/1.png"], app_url="https://app.example/runs/1",
        sent_at=timezone.now(), updated_at=timezone.now()))
    count, detail = queries(client_of(pipeline["candidate"]), f"/api/v1/applications/{application_id}")
    assert count == 2, count
    record = ApplicationRecord.objects.get(id=application_id)
    described = json.loads(JSONRenderer().render(ApplicationDetailSerializer(record, context={"jobs": jobs_of([record])}).data))
    assert {k: v for k, v in detail.items() if k not in ("prepared_submission", "cover_letter")} == described
    assert detail["submission"]["reason"] == "Thank you for applying, Reader"
    assert detail["submission"]["screenshot_urls"] == ["https://skyvern.example/s/1.png"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM jobraker_submissions WHERE application_id = %s", [application_id])
        assert "Reader" not in cursor.fetchone()[0]  # the table holds it sealed; the detail opened it


def test_a_reader_whose_key_is_not_cached_reads_it_with_the_application(pipeline):
    """The key that opens the timeline's sealed notes comes in the application's own statement,
    with the timeline: the account, then the application, and no third query for the key."""
    get_jobraker().keyring.forget(pipeline["candidate"])
    count, detail = queries(client_of(pipeline["candidate"]), f"/api/v1/applications/{pipeline['applications'][0]}")
    assert count == 2, count
    assert [entry["detail"].get("text") for entry in detail["timeline"][1:]] == [f"note {n}" for n in range(12)]


def test_matches_are_read_in_a_few_queries_whatever_the_limit(pipeline):
    drain(get_provider(), budget_seconds=600)
    client = client_of(pipeline["candidate"])
    keyring = get_jobraker().keyring
    keyring.forget(pipeline["candidate"])  # the key that opens the explanations comes with the matches
    few, small = queries(client, "/api/v1/candidates/me/matches", limit=1)
    keyring.forget(pipeline["candidate"])
    many, large = queries(client, "/api/v1/candidates/me/matches", limit=50)
    assert small["precomputed"] and large["precomputed"]
    assert len(large["results"]) == 5  # the jobs in the candidate's town not applied to
    assert few == many <= 2, (few, many)  # the account (authentication), then the matches with their jobs
    assert all(match["explanation"] for match in large["results"])  # opened
    # The jobs as the DRF serializer describes them.
    from jobraker.api.serializers import JobSerializer

    jobs = JobRecord.objects.in_bulk([r["job"]["id"] for r in large["results"]])
    described = json.loads(JSONRenderer().render(JobSerializer([jobs[uuid.UUID(r["job"]["id"])] for r in large["results"]], many=True).data))
    assert [r["job"] for r in large["results"]] == described


def test_the_pre_rendered_page_is_the_response_the_rows_give(pipeline):
    """Byte for byte: the worker's page, spliced into the response, and DRF rendering the rows."""
    provider, me = get_provider(), pipeline["candidate"]
    drain(provider, budget_seconds=600)
    client = client_of(me)
    assert stored_page(me, provider.model, 3) is not None
    pre_rendered = client.get("/api/v1/candidates/me/matches", {"limit": 3})
    MatchSummary.objects.filter(candidate_id=me).update(page=None)  # no page: the rows are read
    assert stored_page(me, provider.model, 3) is None
    from_rows = client.get("/api/v1/candidates/me/matches", {"limit": 3})
    assert pre_rendered.status_code == from_rows.status_code == 200
    assert pre_rendered["Content-Type"] == from_rows["Content-Type"] == "application/json"
    assert len(pre_rendered.json()["results"]) == 3
    assert pre_rendered.content == from_rows.content
    drain(provider, budget_seconds=600)  # a summary without a page is ranked and rendered again
    assert stored_page(me, provider.model, 3) is not None


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("owner", 200), ("other", 200), ("auditor", 403),
                                          ("staff", 403)])
def test_matches_authorization(pipeline, role, status):
    drain(get_provider(), budget_seconds=600)
    client = {"anonymous": APIClient, "owner": lambda: client_of(pipeline["candidate"]),
              "other": lambda: client_of(pipeline["other"]), "auditor": lambda: staff_client(Role.AUDITOR),
              "staff": lambda: staff_client(Role.STAFF)}[role]()
    response = client.get("/api/v1/candidates/me/matches", {"limit": 100})
    assert response.status_code == status, response.content
    if status != 200:
        assert "results" not in response.json()
        return
    me = pipeline["candidate"] if role == "owner" else pipeline["other"]
    body = response.json()
    # Each candidate reads only their own matches: the owner's are the jobs in their town.
    expected = [str(m.job.id) for m in top_matches(me, get_provider(), limit=100).results]
    assert [r["job"]["id"] for r in body["results"]] == expected
    assert body["precomputed"] is True
    if role == "other":
        owners = {str(m.job.id) for m in top_matches(pipeline["candidate"], get_provider(), limit=100).results}
        assert owners and not owners <= set(expected)
