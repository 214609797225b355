"""The resume file (issue 14, item 3) and the needs-input loop (item 4), over real sockets: the
sandbox Skyvern receives the resume through POST /v1/upload_file, the run's prompt points at
its presigned URL, a run that stops for a question waits for the candidate's answer, the
requeued run submits with the file attached, and every file is deleted again (run ended plus
grace, resume changed, erasure), each request and answer on record."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from jobraker.appliers.models import SkyvernFile
from jobraker.appliers.payload import RESUME_FILE_FIELD, RESUME_FILE_MARK
from jobraker.appliers.submit import (
    SubmitLater,
    answered_since_approval,
    preparer,
    submit,
)
from jobraker.domain.application import Actor, Application, Status
from jobraker.resumes.service import upload_resume
from jobraker.resumes.store import ResumeStore

from ..conftest import unique_email
from ..documents import pdf_with_text
from .test_auto_apply import auto_applying_candidate
from .test_skyvern_sandbox import sandbox, url_with, wait_for, webhook_server  # noqa: F401 (fixtures)

RESUME = pdf_with_text("Ada Lovelace. Backend engineer: Python, Django and PostgreSQL since 2015.")


def _with_resume(jobraker, data: bytes = RESUME, name: str = "cv.pdf"):
    candidate_id = auto_applying_candidate(jobraker)
    upload_resume(jobraker, ResumeStore(jobraker.keyring), candidate_id, name, data)
    return candidate_id


def _queued(jobraker, candidate_id, company: str = "Sandco", outcome: str = "confirmed"):
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Django developer",
                                  company=company, url=url_with(outcome))
    app_id, _, decision = jobraker.record_match(candidate_id, job_id, 90, "test-model", {})
    assert decision.queue, decision.reason
    return app_id


def _sent_payloads(jobraker, app_id) -> list[dict]:
    return [e.payload for e in jobraker.events.get(app_id) if isinstance(e, Application.SubmissionSent)]


def _run_to_its_end(jobraker, app_id, webhook):
    from jobraker.appliers.factory import applier

    assert submit(jobraker, app_id, applier(), webhook).startswith("sent as tsk_v2_")
    return wait_for(lambda: (a := jobraker.get_application(app_id)).status is not Status.SUBMITTING and a)


def test_a_question_stops_the_run_the_answer_requeues_it_and_the_new_run_submits_with_the_resume(
    jobraker, sandbox, webhook_server  # noqa: F811
):
    from jobraker.appliers.factory import skyvern_applier
    from jobraker.appliers.files import sweep_files

    candidate_id = _with_resume(jobraker)
    app_id = _queued(jobraker, candidate_id, company="Quantex [sandbox]")  # the sandbox company that asks

    stopped = _run_to_its_end(jobraker, app_id, webhook_server)
    assert stopped.status is Status.NEEDS_INPUT and "What is your notice period?" in stopped.question
    [first] = _sent_payloads(jobraker, app_id)
    first_file = SkyvernFile.objects.get(application_id=app_id)
    assert first_file.presigned_url in first["prompt"] and RESUME_FILE_MARK not in first["prompt"]
    assert RESUME_FILE_FIELD not in first and sandbox.files[first_file.file_id] == ("cv.pdf", RESUME)

    jobraker.answer_question(app_id, "One month", Actor.CANDIDATE)
    assert jobraker.get_application(app_id).status is Status.QUEUED
    done = _run_to_its_end(jobraker, app_id, webhook_server)
    assert done.status is Status.SUBMITTED, done.history
    _, second = _sent_payloads(jobraker, app_id)
    assert "⟦question: What is your notice period?⟧ → ⟦answer: One month⟧" in second["prompt"]
    runs = sorted(sandbox.runs.values(), key=lambda r: r.created_at)
    assert [r.status for r in runs] == ["terminated", "completed"]
    assert runs[1].attached == ["cv.pdf"] and "We received your CV (cv.pdf)" in runs[1].output["confirmation"]
    files = SkyvernFile.objects.filter(application_id=app_id)
    assert files.count() == 2 and len({f.file_id for f in files}) == 2  # one upload per run

    _assert_addresses_sealed_at_rest(candidate_id)

    now = timezone.now()
    # (The sweep is global: other tests' files may be waiting in the shared database too.)
    first = sweep_files(jobraker, skyvern_applier(), now)
    assert first["deleted"] == 0 and first["waiting"] >= 2 and len(sandbox.files) == 2  # the grace
    later = sweep_files(jobraker, skyvern_applier(), now + timedelta(minutes=11))
    assert later["deleted"] >= 2
    assert not sandbox.files
    for row in SkyvernFile.objects.filter(application_id=app_id):
        assert (row.deleted, row.delete_reason, row.delete_answer, row.presigned_url) == (True, "run_ended", "deleted", None)


def _assert_addresses_sealed_at_rest(candidate_id) -> None:
    """Whoever holds a presigned URL can read the resume: ciphertext under the candidate's key in PostgreSQL."""
    import psycopg

    from .test_personal_data import jobraker_url

    with psycopg.connect(jobraker_url()) as conn:
        stored = [row[0] for row in conn.execute("SELECT presigned_url FROM jobraker_skyvern_files WHERE candidate_id = %s",
                                                 (candidate_id,)).fetchall()]
    assert len(stored) == 2 and all(value.startswith(f"sealed:v1:{candidate_id}:") and "http" not in value for value in stored)


def test_a_changed_resume_has_its_uploaded_file_deleted_at_once(jobraker, sandbox, webhook_server):  # noqa: F811
    from jobraker.appliers.factory import skyvern_applier
    from jobraker.appliers.files import sweep_files

    candidate_id = _with_resume(jobraker)
    app_id = _queued(jobraker, candidate_id)
    _run_to_its_end(jobraker, app_id, webhook_server)
    upload_resume(jobraker, ResumeStore(jobraker.keyring), candidate_id, "cv-2026.pdf", pdf_with_text("Ada, newer."))
    assert sweep_files(jobraker, skyvern_applier())["deleted"] == 1  # no grace for a replaced resume
    row = SkyvernFile.objects.get(application_id=app_id)
    assert (row.delete_reason, row.delete_answer) == ("resume_changed", "deleted") and not sandbox.files


def test_erasure_asks_skyvern_to_delete_and_keeps_how_it_answered(jobraker, sandbox, webhook_server):  # noqa: F811
    from jobraker.appliers.factory import skyvern_applier
    from jobraker.appliers.files import sweep_files
    from jobraker.privacy.erasure import erase_candidate

    candidate_id = _with_resume(jobraker)
    app_id = _queued(jobraker, candidate_id)
    _run_to_its_end(jobraker, app_id, webhook_server)
    other = _with_resume(jobraker)
    _run_to_its_end(jobraker, _queued(jobraker, other), webhook_server)
    [file_id] = SkyvernFile.objects.filter(candidate_id=candidate_id).values_list("file_id", flat=True)
    skyvern = _exported(jobraker, candidate_id)["processors"]["skyvern"]  # what Skyvern received, before erasure
    assert [(p["stream"], p["type"].rsplit(".", 1)[-1]) for p in skyvern["payloads"]] == [(str(app_id), "SubmissionSent")]
    assert [(f["file_id"], f["application_id"], f["deletion"]["requested_at"]) for f in skyvern["files"]] == [(file_id, str(app_id), None)]
    sandbox.key_revoked = True  # Skyvern refuses this once: the request and its answer are kept, and asked again
    erase_candidate(jobraker, candidate_id, "staff")
    [row] = SkyvernFile.objects.filter(candidate_id=candidate_id)
    assert (row.delete_reason, row.delete_answer, row.deleted) == ("erasure", "refused: 403", False)
    assert row.delete_requested_at is not None and row.presigned_url is None  # the key is gone: it reads as nothing
    assert _erasure_record(candidate_id)["skyvern"] | {"files": None} == {"files": None, "deletion_requested": 1, "deleted": 0}
    sandbox.key_revoked = False
    assert sweep_files(jobraker, skyvern_applier())["deleted"] == 1
    row.refresh_from_db()
    assert (row.delete_reason, row.delete_answer, row.deleted) == ("erasure", "deleted", True)
    [recorded] = _erasure_record(candidate_id)["skyvern"]["files"]
    assert (recorded["file_id"], recorded["deletion"]["reason"], recorded["deletion"]["answer"], recorded["deletion"]["deleted"]) == \
        (file_id, "erasure", "deleted", True)
    other_row = SkyvernFile.objects.get(candidate_id=other)
    assert not other_row.deleted and other_row.file_id in sandbox.files  # another candidate's run is in its grace


def _exported(jobraker, candidate_id) -> dict:
    import io
    import json
    import zipfile

    from jobraker.privacy.export import build_export, open_export
    from jobraker.privacy.models import DataExport

    export = DataExport.objects.create(id=uuid4(), candidate_id=candidate_id, requested_by="candidate")
    archive = zipfile.ZipFile(io.BytesIO(open_export(jobraker, build_export(jobraker, export.id))))
    return json.loads(archive.read("export.json"))


def _erasure_record(candidate_id) -> dict:
    """What staff read at GET /candidates/{id}/erasure (the matrix in tests/api checks who may)."""
    from jobraker.accounts.models import Role

    from ..api_helpers import operator

    answer = operator(Role.STAFF).get(f"/api/v1/candidates/{candidate_id}/erasure")
    assert answer.status_code == 200 and answer.json()["erased"] is True, answer.content
    return answer.json()["processors"]


def test_an_upload_skyvern_refuses_starts_nothing_and_keeps_the_application_queued(jobraker, sandbox, webhook_server):  # noqa: F811
    from jobraker.appliers.factory import applier

    candidate_id = _with_resume(jobraker)
    app_id = _queued(jobraker, candidate_id)
    sandbox.revoke_key()
    with pytest.raises(SubmitLater):
        submit(jobraker, app_id, applier(), webhook_server)
    assert jobraker.get_application(app_id).status is Status.QUEUED
    assert not sandbox.runs and not sandbox.files and not SkyvernFile.objects.filter(application_id=app_id).exists()


def test_approve_mode_shows_which_file_goes_and_a_dry_run_uploads_nothing(jobraker):
    from jobraker.appliers.skyvern import DryRunApplier

    candidate_id = _with_resume(jobraker, name="Ada-CV.pdf")
    candidate = jobraker.get_candidate(candidate_id)
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Django developer", company="Sandco",
                                  url=url_with("confirmed"))
    payload, _ = preparer("https://jobraker.example.org/hook", timedelta(hours=1))(candidate, jobraker.get_listing(job_id))
    assert payload[RESUME_FILE_FIELD] == {"resume_id": str(candidate.resume.id), "filename": "Ada-CV.pdf",
                                          "content_type": "application/pdf", "size": len(RESUME)}
    assert RESUME_FILE_MARK in payload["prompt"]

    app_id = _queued(jobraker, candidate_id)
    assert submit(jobraker, app_id, DryRunApplier(), "https://jobraker.example.org/hook") == "dry run recorded"
    [recorded] = _sent_payloads(jobraker, app_id)
    assert recorded[RESUME_FILE_FIELD]["filename"] == "Ada-CV.pdf" and not SkyvernFile.objects.filter(application_id=app_id).exists()


def test_an_approved_payload_is_sent_as_approved_until_the_candidate_answers_a_question():
    application = Application.match(uuid4(), uuid4(), 90)
    application.prepare_submission({"prompt": "approved"}, timezone.now() + timedelta(hours=1), {})
    application.approve_submission(Actor.CANDIDATE, timezone.now())
    assert not answered_since_approval(application)
    application.start_submission()
    application.release_submission("429")  # busy: the same approved payload goes next time
    assert not answered_since_approval(application)
    application.start_submission()
    application.record_submission_sent({"prompt": "approved"}, "tsk_v2_1", False, "skyvern")
    application.request_input("What is your notice period?")
    application.provide_input(Actor.CANDIDATE)
    assert answered_since_approval(application)  # the answer is not in the approved payload: built anew


@settings(max_examples=300, deadline=None)
@given(erased=st.booleans(), resume_current=st.booleans(), run_current=st.booleans(),
       ended_ago=st.one_of(st.none(), st.integers(0, 7200)), grace=st.integers(0, 3600))
def test_a_file_goes_exactly_when_nothing_may_still_need_it(erased, resume_current, run_current, ended_ago, grace):
    from jobraker.appliers.files import deletion_reason

    now = timezone.now()
    ended_at = None if ended_ago is None else now - timedelta(seconds=ended_ago)
    reason = deletion_reason(erased, resume_current, run_current, ended_at, now, timedelta(seconds=grace))
    if erased or not resume_current:  # at once, whatever the run is doing
        assert reason == ("erasure" if erased else "resume_changed")
    elif run_current or ended_at is None:  # the run may still download it
        assert reason == ""
    else:  # the run ended: kept through the grace, then deleted
        assert (reason == "run_ended") == (ended_ago >= grace) and reason in ("", "run_ended")
