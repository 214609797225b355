"""Issue 13: small hostile resumes must not cost the server minutes of CPU or gigabytes of memory.

Each bomb of the issue is built here, sent through the real upload endpoint and refused with a
422 problem naming what was wrong, in under 5 s, with nothing stored; neither the request
process nor the parsing child grows by more than 200 MB. The sandbox's own limits (CPU, wall
clock, memory) are then shown to work on files that pass every static check."""

from __future__ import annotations

import base64
import gc
import io
import logging
import os
import resource
import threading
import time
import zipfile
from collections.abc import Callable

import psutil
import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobraker.resumes import limits, sandbox
from jobraker.resumes.extract import DOCX, PDF, ResumeRejected, extract
from jobraker.resumes.rejection import Reason

from .. import bombs
from ..api_helpers import signed_in
from ..documents import docx_with_text, pdf_with_text

MB = 1024 * 1024
GROWTH_LIMIT = 200 * MB
REFUSED_WITHIN = 5.0
TOO_LARGE = "Resume too large when unpacked"
UNREADABLE = "Resume could not be read"

BOMBS: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # name: (builder, problem title, words in the detail)
    "pdf pages sharing one 9 MB content stream": (bombs.pdf_shared_heavy_stream, TOO_LARGE, "limits was reached"),
    "pdf pages sharing one 1.9 MB content stream": (
        lambda: bombs.pdf_shared_heavy_stream(repeats=270_000), TOO_LARGE, "limits was reached"),
    "docx whose document.xml inflates to 100 MB": (bombs.docx_inflating_to, TOO_LARGE, "declares 100.0 MB"),
    "the same docx with zip headers claiming 20 KB": (bombs.docx_lying_about_size, TOO_LARGE, "unpacks to more than 4.0 MB"),
    "docx with billion-laughs entities": (bombs.docx_billion_laughs, UNREADABLE, "declares XML entities"),
    "docx nested 20,000 elements deep": (bombs.docx_deeply_nested, UNREADABLE, "XMLSyntaxError"),
}


def test_the_bombs_are_what_the_issue_describes():
    pdf = bombs.pdf_shared_heavy_stream()
    assert len(pdf) < 25_000 and pdf.count(b"/Contents 3 0 R") == 50
    docx = bombs.docx_inflating_to()
    assert len(docx) < 400_000
    with zipfile.ZipFile(io.BytesIO(docx)) as archive:
        assert archive.getinfo("word/document.xml").file_size > 100 * 1_000_000
    with zipfile.ZipFile(io.BytesIO(bombs.docx_lying_about_size())) as archive:
        assert archive.getinfo("word/document.xml").file_size == 20_000


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_upload_is_refused_quickly_cheaply_and_stores_nothing(live_projector, caplog, name):
    caplog.set_level(logging.INFO, logger="jobraker.resumes.sandbox")
    build, title, detail = BOMBS[name]
    bomb = build()
    client, created, _ = signed_in()
    events_before = _event_count(created["id"])
    gc.collect()
    rss_before = psutil.Process().memory_info().rss
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)

    started = time.monotonic()
    response = client.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile("cv", bomb)}, format="multipart")
    elapsed = time.monotonic() - started

    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss_growth = psutil.Process().memory_info().rss - rss_before
    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == title and detail in problem["detail"], problem
    assert elapsed < REFUSED_WITHIN, f"{name}: refused after {elapsed:.1f} s"
    assert rss_growth < GROWTH_LIMIT, f"{name}: the request process grew by {rss_growth / MB:.0f} MB"
    # The child's peak comes from its own report (VmHWM), logged by the sandbox: RUSAGE_CHILDREN's
    # ru_maxrss would count this process's memory, which a spawned child shares until it execs.
    [parsed] = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "resume_parsed"]
    assert parsed["outcome"] != "read" and parsed["peak_rss_mb"] * MB < GROWTH_LIMIT, parsed
    child_cpu = (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime)
    assert 0 < child_cpu < limits.CPU_SECONDS + 1  # it was parsed in a child, and the child was bounded

    assert _event_count(created["id"]) == events_before
    assert _stored_files(created["id"]) == 0
    assert client.get("/api/v1/candidates/me/resume").status_code == 404


@pytest.mark.parametrize("name", list(BOMBS))
def test_the_child_that_read_a_bomb_stayed_small(name):
    build, _, _ = BOMBS[name]
    bomb = build()
    run = sandbox.run_child("pdf" if bomb.startswith(b"%PDF") else "zip", bomb)
    assert "reason" in run.answer
    assert run.wall_seconds < REFUSED_WITHIN
    assert run.cpu_seconds < limits.CPU_SECONDS + 1
    assert run.peak_rss_bytes < GROWTH_LIMIT, f"{name}: {run.peak_rss_bytes / MB:.0f} MB"


def test_a_normal_resume_is_read_in_a_small_child():
    for kind, data, content_type in [("pdf", pdf_with_text("Ada Lovelace engineer"), PDF),
                                     ("zip", docx_with_text("Ada Lovelace", "engineer"), DOCX)]:
        run = sandbox.run_child(kind, data)
        assert run.answer == {"content_type": content_type, "text": "Ada Lovelace engineer"}
        assert run.peak_rss_bytes < 100 * MB and run.cpu_seconds < 1.5, run


def test_a_zip_whose_headers_understate_a_small_member_is_refused_as_damaged():
    lying = bombs.docx_lying_about_size(unpacked=1 * MB, claimed=20_000)
    with pytest.raises(ResumeRejected, match="zip headers do not match") as refused:
        extract(lying)
    assert refused.value.reason is Reason.UNREADABLE


def test_only_the_first_pages_of_a_long_pdf_are_read():
    text = extract(bombs.pdf_pages_with_text([f"Page{number}" for number in range(30)])).text
    assert text.split() == [f"Page{number}" for number in range(limits.MAX_PDF_PAGES)]


# --- the backstops, on files that pass every static check ------------------------------------

HEAVY_PDF = bombs.pdf_shared_heavy_stream(pages=3, repeats=90_000)  # within every budget; ~1.5 s of CPU


def test_the_cpu_limit_stops_a_slow_parse():
    run = sandbox.run_child("pdf", HEAVY_PDF, cpu_seconds=1)
    assert run.answer["reason"] == Reason.TOO_SLOW.value
    assert run.cpu_seconds < 2.5  # soft limit 1 s (SIGXCPU), hard limit 2 s


def test_the_wall_clock_limit_kills_the_child_and_reaps_it():
    children_before = {child.pid for child in psutil.Process().children(recursive=True)}
    run = sandbox.run_child("pdf", HEAVY_PDF, wall_seconds=0.3)
    assert run.answer == {"reason": Reason.TOO_SLOW.value, "message": "resume took too long to read"}
    assert run.wall_seconds < 1.5
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= children_before  # no zombie, no stray


def test_the_memory_limit_stops_a_greedy_parse():
    paragraphs = (b"<w:p><w:r><w:t>" + base64.b64encode(os.urandom(24)) + b"</w:t></w:r></w:p>" for _ in range(60_000))
    big = bombs.docx_with_document_parts([bombs.document_open(), *paragraphs, bombs.document_close()])  # 3.9 MB of XML
    run = sandbox.run_child("zip", big, memory_bytes=64 * MB)
    assert run.answer["reason"] == Reason.TOO_MUCH_MEMORY.value, run.answer.get("message")
    assert run.peak_rss_bytes < 64 * MB


def test_parallel_parses_from_threads_leave_no_child_behind():
    """As in a gunicorn gthread worker: many requests parse at once, some are killed."""
    children_before = {child.pid for child in psutil.Process().children(recursive=True)}
    normal = pdf_with_text("Ada Lovelace")
    results: list[dict] = []

    def parse(data: bytes, wall: float) -> None:
        results.append(sandbox.run_child("pdf", data, wall_seconds=wall).answer)

    threads = [threading.Thread(target=parse, args=(normal, 30.0)) for _ in range(4)]
    threads += [threading.Thread(target=parse, args=(HEAVY_PDF, 0.3)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answer.get("text", answer.get("reason")) for answer in results) == ["Ada Lovelace"] * 4 + ["too_slow"] * 4
    assert {child.pid for child in psutil.Process().children(recursive=True)} <= children_before


def test_the_child_gets_no_secrets_from_the_environment(monkeypatch):
    monkeypatch.setenv("JOBRAKER_TEST_SECRET", "do-not-pass")
    env = sandbox.child_environment()
    assert set(env) == {"PATH", "LC_ALL", "PYTHONPATH"}


def _event_count(candidate_id: str) -> int:
    from jobraker.eventstore.app import get_jobraker

    table = get_jobraker().recorder.events_table_name
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE originator_id = %s", (candidate_id,)).fetchone()[0]


def _stored_files(candidate_id: str) -> int:
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
        return conn.execute("SELECT count(*) FROM jobraker_resume_files WHERE candidate_id = %s", (candidate_id,)).fetchone()[0]


def test_when_every_parsing_slot_is_taken_the_upload_answers_503_and_stores_nothing(live_projector):
    """A burst of uploads cannot start more than PARALLEL_CHILDREN children per server process."""
    client, created, _ = signed_in()
    held = [sandbox._slots.acquire(timeout=30) for _ in range(limits.PARALLEL_CHILDREN)]
    try:
        assert all(held)
        started = time.monotonic()
        response = client.post("/api/v1/candidates/me/resume",
                               {"file": SimpleUploadedFile("cv.pdf", pdf_with_text("Ada Lovelace"))}, format="multipart")
        waited = time.monotonic() - started
    finally:
        for _ in held:
            sandbox._slots.release()
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/problem+json" and response["Retry-After"] == "5"
    assert response.json()["title"] == "Server busy reading resumes"
    assert limits.WAIT_FOR_A_SLOT_SECONDS <= waited < limits.WAIT_FOR_A_SLOT_SECONDS + 2
    assert _stored_files(created["id"]) == 0
    # With the slots free again the same file is read.
    again = client.post("/api/v1/candidates/me/resume",
                        {"file": SimpleUploadedFile("cv.pdf", pdf_with_text("Ada Lovelace"))}, format="multipart")
    assert again.status_code == 201, again.content


def test_only_a_candidate_can_make_the_server_parse_and_a_bomb_touches_only_its_sender(live_projector, caplog):
    """Anonymous, auditor and staff are refused before any child starts; a candidate's bomb
    is refused without touching another candidate's stored resume."""
    from rest_framework.test import APIClient

    from jobraker.accounts.models import Role

    from ..api_helpers import operator, wait

    caplog.set_level(logging.INFO, logger="jobraker.resumes.sandbox")
    owner, owner_created, _ = signed_in()
    resume = pdf_with_text("Ada Lovelace original")
    stored = owner.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile("cv.pdf", resume)}, format="multipart")
    assert stored.status_code == 201
    other, _, _ = signed_in(name="Other")
    bomb = bombs.docx_lying_about_size()
    caplog.clear()

    def upload(client) -> int:  # type: ignore[no-untyped-def]
        return client.post("/api/v1/candidates/me/resume", {"file": SimpleUploadedFile("cv.docx", bomb)},
                           format="multipart").status_code

    assert upload(APIClient()) == 401
    assert upload(operator(Role.AUDITOR)) == 403
    assert upload(operator(Role.STAFF)) == 403
    assert not [r for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "resume_parsed"]

    assert upload(other) == 422
    download = owner.get("/api/v1/candidates/me/resume", **wait(owner, stored))
    assert download.status_code == 200 and download.content == resume
    assert _stored_files(owner_created["id"]) == 1


def test_bombs_sent_at_once_to_a_real_gunicorn_worker_leave_it_small_and_childless(live_projector):
    """As ``jobraker serve`` runs: one gthread worker, bombs uploaded over real sockets in parallel."""
    import httpx

    from ..live_servers import gunicorn

    client, _, _ = signed_in()
    headers = {"Authorization": client._credentials["HTTP_AUTHORIZATION"]}
    files = [build() for build, _, _ in BOMBS.values()]
    with gunicorn() as origin:
        [master] = [p for p in psutil.Process().children() if origin.rsplit("/", 1)[-1] in " ".join(p.cmdline())]
        [worker] = master.children()

        def upload(data: bytes) -> tuple[int, float]:
            started = time.monotonic()
            r = httpx.post(f"{origin}/api/v1/candidates/me/resume", headers=headers, files={"file": ("cv", data)}, timeout=30)
            return r.status_code, time.monotonic() - started

        assert upload(pdf_with_text("Ada Lovelace"))[0] == 201  # warm: the worker has imported what it needs
        rss_before = worker.memory_info().rss
        for batch in (files[: limits.PARALLEL_CHILDREN], files[limits.PARALLEL_CHILDREN :]):
            answers: list[tuple[int, float]] = []
            threads = [threading.Thread(target=lambda data=data, answers=answers: answers.append(upload(data))) for data in batch]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert [status for status, _ in answers] == [422] * len(batch)
            assert max(seconds for _, seconds in answers) < REFUSED_WITHIN + 1  # parallel on a shared 2-core machine
        assert worker.memory_info().rss - rss_before < GROWTH_LIMIT
        assert worker.children() == []  # every child was reaped


@pytest.mark.parametrize("answer", [
    b'{"content_type": "text/html", "text": "<script>"}',
    b'{"reason": "busy", "message": "not the child\'s to say"}',
    b'{"reason": "too_large", "message": 3}',
    b'{"content_type": "application/pdf", "text": ["a"]}',
    b'not json',
])
def test_an_answer_the_child_should_not_give_is_not_believed(answer):
    """A parser subverted by its file could write anything: only the expected shapes pass."""
    fd = os.memfd_create("answer")
    try:
        os.write(fd, answer)
        assert sandbox._answer(0, False, fd) == {"reason": Reason.UNREADABLE.value, "message": "could not read the resume"}
    finally:
        os.close(fd)
