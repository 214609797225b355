"""The Skyvern sandbox `jobraker up` runs without a key: Skyvern's wire format, runs that end
by their job URL, webhooks signed as Skyvern signs them (and retried), driven through the
real SkyvernApplier and the real webhook endpoint on a live server; and `up` choosing it."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from uuid import UUID, uuid4

import httpx
import pytest
from rest_framework.test import APIClient

from jobraker.accounts.models import Role
from jobraker.appliers.sandbox import SandboxSkyvern, outcome_for
from jobraker.appliers.skyvern import DryRunApplier, SkyvernApplier, sign
from jobraker.appliers.submit import submit
from jobraker.config import get_settings, load_settings
from jobraker.domain.application import Status

from ..api_helpers import operator, signed_in
from ..conftest import unique_email
from ..fakes.loopback import LoopbackServer, QuietHandler
from ..live_servers import django_live_server
from .test_auto_apply import auto_applying_candidate

KEY = "sk-sandbox-test"


def url_with(outcome: str) -> str:
    """A job URL the sandbox ends the given way (the choice is a hash of the URL)."""
    for n in range(1000):
        url = f"https://jobs.example.org/apply/{uuid4().hex}/{n}"
        if outcome_for(url) == outcome:
            return url
    raise AssertionError(f"no URL ends {outcome}")


def queued_for(jobraker, candidate_id, url: str):
    job_id, _ = jobraker.post_job(source="test", external_id=unique_email(), title="Django developer",
                                  company="Sandco", url=url)
    app_id, _, decision = jobraker.record_match(candidate_id, job_id, 90, "test-model", {})
    assert decision.queue, decision.reason
    return app_id


def wait_for(check, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


@pytest.fixture
def sandbox(monkeypatch):  # type: ignore[no-untyped-def]
    """A running sandbox, and this process's settings as `jobraker up` sets them for its API
    and workers: SKYVERN_BASE_URL at the sandbox, a key made for the run, labelled sandbox."""
    with SandboxSkyvern(KEY, delay=0.1, allow_private_hosts=True) as running:  # as `jobraker up` starts it
        monkeypatch.setenv("SKYVERN_API_KEY", KEY)
        monkeypatch.setenv("SKYVERN_BASE_URL", running.base_url)
        monkeypatch.setenv("JOBRAKER_SKYVERN_SANDBOX", "true")
        get_settings.cache_clear()
        yield running
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.fixture
def webhook_server(sandbox):  # type: ignore[no-untyped-def]
    """Jobraker's API on a live server, so the sandbox's webhooks arrive over a real socket."""
    with django_live_server() as origin:
        yield f"{origin}/api/v1/webhooks/skyvern"


# ---------------------------------------------------------------------------
# Wire format


def test_sandbox_speaks_skyverns_wire_format():
    with SandboxSkyvern(KEY, delay=0.2) as sandbox:
        http = httpx.Client(base_url=sandbox.base_url, headers={"x-api-key": KEY})
        refused = httpx.post(f"{sandbox.base_url}/v1/run/tasks", json={"prompt": "x"}, headers={"x-api-key": "wrong"})
        assert (refused.status_code, refused.json()) == (403, {"detail": "Invalid credentials"})
        assert httpx.get(f"{sandbox.base_url}/v1/runs/tsk_1").status_code == 403  # no key at all
        missing = http.post("/v1/run/tasks", json={"url": "https://jobs.example.org/1"})
        assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "prompt"]
        assert http.get("/v1/runs/tsk_unknown").json() == {"detail": "Task run not found tsk_unknown"}  # as get_run answers
        assert http.post("/v1/run/workflows", json={}).status_code == 404

        url = url_with("confirmed")
        task = {"prompt": "apply", "url": url, "title": "Dev at Sandco", "data_extraction_schema": {"type": "object"}}
        created = http.post("/v1/run/tasks", json={**task, "engine": "skyvern-2.0"}).json()
        assert created["run_id"].startswith("tsk_v2_") and created["status"] == "queued" and created["run_type"] == "task_v2"
        assert created["run_request"]["url"] == url
        done = wait_for(lambda: (r := http.get(f"/v1/runs/{created['run_id']}").json())["status"] == "completed" and r)
        assert done["output"]["submitted"] is True and done["output"]["confirmation_number"].startswith("SBX-")
        assert "T" in done["finished_at"] and "+" not in done["finished_at"]  # no time zone, as Skyvern
        assert done["app_url"].endswith(created["run_id"]) and done["recording_url"] and done["screenshot_urls"]
        # skyvern-1.0 (the default) started with a url sets no extraction goal: the output is null.
        v1 = http.post("/v1/run/tasks", json=task).json()
        assert v1["run_type"] == "task_v1" and not v1["run_id"].startswith("tsk_v2_")
        v1_done = wait_for(lambda: (r := http.get(f"/v1/runs/{v1['run_id']}").json())["status"] == "completed" and r)
        assert v1_done["output"] is None

        slow = SandboxSkyvern(KEY, delay=60).start()
        try:
            run = httpx.post(f"{slow.base_url}/v1/run/tasks", json={"prompt": "p", "url": url},
                             headers={"x-api-key": KEY}).json()
            canceled = httpx.post(f"{slow.base_url}/v1/runs/{run['run_id']}/cancel", headers={"x-api-key": KEY})
            assert canceled.json()["status"] == "canceled"
            slow.finish(run["run_id"])  # the timer firing later changes nothing
            assert slow.runs[run["run_id"]].status == "canceled"
        finally:
            slow.stop()


def test_outcomes_are_decided_by_the_job_url_and_most_confirm():
    urls = [f"https://jobs.example.org/{n}" for n in range(1000)]
    outcomes = [outcome_for(u) for u in urls]
    assert outcomes == [outcome_for(u) for u in urls]  # deterministic
    assert outcomes.count("confirmed") > 700 and outcomes.count("failed") > 50 and outcomes.count("unconfirmed") > 25
    for code in ("question_unanswered", "posting_closed", "login_required", "captcha", "already_applied"):
        assert outcomes.count(code) > 3, code


class Receiver(LoopbackServer):
    """A webhook receiver that refuses the first ``refuse`` deliveries with 500."""

    def __init__(self, refuse: int) -> None:
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.deliveries.append((raw, dict(self.headers)))
                self._send(500 if len(receiver.deliveries) <= refuse else 200, {"ok": True})

        super().__init__(Handler)


def test_webhooks_are_signed_as_skyvern_signs_them_and_retried():
    with Receiver(refuse=2) as receiver, SandboxSkyvern(KEY, delay=0.05, retry_backoff=0.05, allow_private_hosts=True) as sandbox:
        sandbox.accept({"prompt": "p", "url": url_with("failed"), "webhook_url": f"{receiver.origin}/hook"})
        wait_for(lambda: len(receiver.deliveries) == 3)
        time.sleep(0.3)
    assert len(receiver.deliveries) == 3  # two refusals, then delivered: no more
    for raw, headers in receiver.deliveries:
        assert headers["x-skyvern-signature"] == sign(raw, KEY)
        assert int(headers["x-skyvern-timestamp"]) == pytest.approx(time.time(), abs=30)
        assert raw == json.dumps(json.loads(raw), separators=(",", ":")).encode()  # compact JSON, signed as sent
    body = json.loads(receiver.deliveries[0][0])
    assert body["status"] == "failed" and body["task_id"] == body["run_id"] and "work permit" in body["failure_reason"]
    # A v1 run's webhook: TaskResponse without `request`, updated with the run response without `run_request`.
    assert {"extracted_information", "screenshot_url", "recording_url", "errors", "app_url", "run_type"} <= set(body)
    assert "run_request" not in body and "request" not in body and "organization_id" not in body


def test_webhook_delivery_makes_three_attempts_in_all():
    with Receiver(refuse=99) as receiver, SandboxSkyvern(KEY, delay=0.05, retry_backoff=0.02, allow_private_hosts=True) as sandbox:
        run = sandbox.accept({"prompt": "p", "url": url_with("confirmed"), "webhook_url": f"{receiver.origin}/hook"})
        wait_for(lambda: run.webhook_attempts == 3)
        time.sleep(0.3)
    assert len(receiver.deliveries) == 3


# ---------------------------------------------------------------------------
# Through the real applier and the real webhook endpoint


@pytest.mark.parametrize(
    ("outcome", "status", "verification"),
    [("confirmed", Status.SUBMITTED, "confirmed"), ("unconfirmed", Status.UNVERIFIED, "unverified"),
     ("failed", Status.FAILED, "failed")],
)
def test_a_sandbox_run_ends_in_jobraker_through_the_signed_webhook(
    jobraker, projector, sandbox, webhook_server, outcome, status, verification
):
    from jobraker.appliers.factory import applier
    from jobraker.appliers.models import SubmissionRecord

    app_id = queued_for(jobraker, auto_applying_candidate(jobraker), url_with(outcome))
    the_applier = applier()  # what a worker under `jobraker up` builds from its settings
    assert the_applier.name == "sandbox"
    assert submit(jobraker, app_id, the_applier, webhook_server).startswith("sent as tsk_")
    wait_for(lambda: jobraker.get_application(app_id).status is not Status.SUBMITTING)
    [run] = sandbox.runs.values()
    assert run.webhook_attempts == 1  # delivered at once: the signature was accepted
    application = jobraker.get_application(app_id)
    assert application.status is status and application.applier == "sandbox"
    projector.catch_up()
    record = SubmissionRecord.objects.get(application_id=app_id)
    assert (record.applier, record.verification, record.run_id) == ("sandbox", verification, run.run_id)
    if outcome == "unconfirmed":
        assert "no confirmation" in record.reason
    if outcome == "failed":
        assert application.failure == (run.failure_reason, False)


def test_the_application_detail_says_sandbox_and_why_it_is_unverified(jobraker, live_projector, sandbox, webhook_server):
    from jobraker.appliers.factory import applier

    from ..api_helpers import caught_up

    client, created, _ = signed_in()
    candidate_id = UUID(created["id"])
    jobraker.change_profile(candidate_id, {"headline": "Backend engineer", "skills": ["Python"]})
    jobraker.give_consent(candidate_id, "auto_apply", "2026-01")
    jobraker.change_automation(candidate_id, {"mode": "full", "min_score_override": 50})
    app_id = queued_for(jobraker, candidate_id, url_with("unconfirmed"))
    submit(jobraker, app_id, applier(), webhook_server)
    wait_for(lambda: jobraker.get_application(app_id).status is Status.UNVERIFIED)
    position = jobraker.recorder.max_notification_id()
    detail = client.get(f"/api/v1/applications/{app_id}", **caught_up(position)).json()
    assert detail["status"] == "unverified"
    submission = detail["submission"]
    assert submission["applier"] == "sandbox" and submission["sandbox"] is True
    assert submission["verification"] == "unverified" and "no confirmation" in submission["reason"]
    assert any(e["action"] == "record_unverified" and "no confirmation" in e["detail"]["reason"] for e in detail["timeline"])
    other, _, _ = signed_in()
    assert other.get(f"/api/v1/applications/{app_id}").status_code == 404
    confirm = {"action": "confirm_submission"}
    assert other.post(f"/api/v1/applications/{app_id}/transitions", confirm, format="json").status_code == 404
    assert APIClient().post(f"/api/v1/applications/{app_id}/transitions", confirm, format="json").status_code == 401
    staff_view = operator(Role.STAFF).get(f"/api/v1/applications/{app_id}").json()
    assert staff_view["submission"]["verification"] == "unverified"
    assert jobraker.get_application(app_id).status is Status.UNVERIFIED

    # The candidate who knows it arrived (the employer's e-mail) confirms it.
    confirmed = client.post(f"/api/v1/applications/{app_id}/transitions", {"action": "confirm_submission"}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert jobraker.get_application(app_id).status is Status.SUBMITTED


# ---------------------------------------------------------------------------
# Which applier a process uses


def test_plain_workers_without_a_key_keep_the_dry_run_applier(monkeypatch):
    from jobraker.appliers.factory import applier

    monkeypatch.delenv("SKYVERN_API_KEY", raising=False)
    monkeypatch.delenv("JOBRAKER_SKYVERN_SANDBOX", raising=False)
    get_settings.cache_clear()
    try:
        assert isinstance(applier(), DryRunApplier)
        monkeypatch.setenv("SKYVERN_API_KEY", "sk-real")
        get_settings.cache_clear()
        real = applier()
        assert isinstance(real, SkyvernApplier) and real.name == "skyvern"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def _env_without_skyvern() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("SKYVERN_", "JOBRAKER_SKYVERN", "JOBRAKER_PUBLIC"))}


def test_up_runs_the_sandbox_when_no_skyvern_key_is_set(tmp_path: Path):
    from jobraker.runtime.supervisor import SKYVERN_SANDBOX, Supervisor

    env = {**_env_without_skyvern(), "JOBRAKER_DATA_DIR": str(tmp_path), "JOBRAKER_PORT": "8123"}
    supervisor = Supervisor(load_settings(env), env=env)
    try:
        supervisor._start_skyvern_sandbox()
        child = supervisor.children[SKYVERN_SANDBOX]
        assert child.args[:4] == [sys.executable, "-m", "jobraker", SKYVERN_SANDBOX]
        assert "--allow-private-hosts" in child.args  # its webhook is this machine's API
        key, base = env["SKYVERN_API_KEY"], env["SKYVERN_BASE_URL"]
        assert len(key) >= 32 and env["JOBRAKER_SKYVERN_SANDBOX"] == "true"
        assert env["JOBRAKER_PUBLIC_URL"] == "http://127.0.0.1:8123"  # webhooks come back to this API
        children_settings = load_settings(env)  # what serve and worker will read
        assert children_settings.skyvern_sandbox and children_settings.skyvern_api_key.get_secret_value() == key
        run = httpx.post(f"{base}/v1/run/tasks", json={"prompt": "p", "url": "https://x.example/1"},
                         headers={"x-api-key": key})
        assert run.status_code == 200 and run.json()["run_id"].startswith("tsk_")
        assert httpx.get(f"{base}/v1/runs/x", headers={"x-api-key": "other"}).status_code == 403

        # Killed, it is restarted by up's watch loop on the same address, with the same key.
        watching = threading.Thread(target=supervisor._watch, daemon=True)
        watching.start()
        child.kill()
        restarted = wait_for(lambda: supervisor.children[SKYVERN_SANDBOX] is not child and supervisor.children[SKYVERN_SANDBOX])
        wait_for(lambda: _answers(f"{base}/v1/runs/x", key) == 404)
        supervisor.stopping = True
        watching.join(timeout=5)
    finally:
        supervisor._stop()
    assert child.poll() is not None and restarted.poll() is not None


def _answers(url: str, key: str) -> int | None:
    try:
        return httpx.get(url, headers={"x-api-key": key}, timeout=1).status_code
    except httpx.HTTPError:
        return None


def test_up_uses_real_skyvern_when_a_key_is_set(tmp_path: Path):
    from jobraker.runtime.supervisor import Supervisor

    env = {**_env_without_skyvern(), "JOBRAKER_DATA_DIR": str(tmp_path), "SKYVERN_API_KEY": "sk-real"}
    supervisor = Supervisor(load_settings(env), env=env)
    supervisor._start_skyvern_sandbox()
    assert supervisor.children == {} and env["SKYVERN_API_KEY"] == "sk-real" and "JOBRAKER_SKYVERN_SANDBOX" not in env


def test_racing_finish_and_cancel_deliver_one_outcome():
    """The timer and a cancel racing: exactly one terminal status, one webhook."""
    with Receiver(refuse=0) as receiver, SandboxSkyvern(KEY, delay=0.05, allow_private_hosts=True) as sandbox:
        runs = [sandbox.accept({"prompt": "p", "url": url_with("confirmed"), "webhook_url": f"{receiver.origin}/h"})
                for _ in range(10)]
        threads = [threading.Thread(target=sandbox.cancel, args=(r.run_id,)) for r in runs]
        [t.start() for t in threads]
        [t.join() for t in threads]
        wait_for(lambda: len(receiver.deliveries) >= 10)
        time.sleep(0.3)
    assert len(receiver.deliveries) == 10
    assert {json.loads(raw)["run_id"] for raw, _ in receiver.deliveries} == {r.run_id for r in runs}


def test_polling_after_a_sandbox_restart_sends_unknown_runs_to_review_and_still_asks_about_the_rest(jobraker):
    """The sandbox keeps runs in memory: after a restart it answers 404 for the old ones. Those go
    to review (whether they ran is unknown); the other runs are still polled and recorded."""
    from datetime import timedelta

    from django.utils import timezone

    from jobraker.appliers.models import SkyvernRunLink
    from jobraker.appliers.webhooks import poll_silent_runs

    candidate_id = auto_applying_candidate(jobraker)
    lost, kept = (queued_for(jobraker, candidate_id, url_with("confirmed")) for _ in range(2))
    nowhere = "http://127.0.0.1:9/hook"  # webhooks never arrive: only polling can tell
    with SandboxSkyvern(KEY, delay=60, allow_private_hosts=True) as before_restart:
        submit(jobraker, lost, SkyvernApplier(before_restart.base_url, KEY, name="sandbox"), nowhere)
    with SandboxSkyvern(KEY, delay=0.01, retry_backoff=0.01, allow_private_hosts=True) as after_restart:
        applier = SkyvernApplier(after_restart.base_url, KEY, name="sandbox")
        submit(jobraker, kept, applier, nowhere)
        [run] = after_restart.runs.values()
        wait_for(lambda: run.status == "completed")
        runs = [jobraker.get_application(a).run_id for a in (lost, kept)]
        SkyvernRunLink.objects.filter(run_id__in=runs).update(next_poll_at=timezone.now() - timedelta(seconds=1))
        outcomes = poll_silent_runs(jobraker, applier)
    assert outcomes[runs[0]] == "unknown to Skyvern: needs review" and outcomes[runs[1]] == "recorded"
    assert jobraker.get_application(lost).status is Status.NEEDS_REVIEW
    assert jobraker.get_application(kept).status is Status.SUBMITTED


# ---------------------------------------------------------------------------
# As strict as Skyvern: blocked hosts, error codes, delivery retries, files, webhook replay


def test_private_job_and_webhook_hosts_are_refused_unless_allowed():
    task = {"prompt": "p", "url": "https://jobs.example.org/1"}
    for field, value, host in [("url", "http://127.0.0.1:9/job", "127.0.0.1"), ("webhook_url", "http://10.0.0.7/hook", "10.0.0.7"),
                               ("webhook_url", "http://raker.local/hook", "raker.local"),
                               ("url", "http://localhost/x", "localhost")]:
        with SandboxSkyvern(KEY, delay=60) as strict:
            answer = httpx.post(f"{strict.base_url}/v1/run/tasks", json={**task, field: value}, headers={"x-api-key": KEY})
            assert (answer.status_code, answer.json()) == (400, {"detail": f"The host in your url is blocked: {host}"})
            assert strict.runs == {}
        with SandboxSkyvern(KEY, delay=60, allow_private_hosts=True) as lenient:
            answer = httpx.post(f"{lenient.base_url}/v1/run/tasks", json={**task, field: value}, headers={"x-api-key": KEY})
            assert answer.status_code == 200


def test_a_run_stops_with_an_error_code_only_when_the_request_names_it():
    url = url_with("question_unanswered")
    with SandboxSkyvern(KEY, delay=0.01) as sandbox:
        named = sandbox.accept({"prompt": "p", "url": url, "engine": "skyvern-2.0",
                                "error_code_mapping": {"question_unanswered": "a question is unanswered"}})
        unnamed = sandbox.accept({"prompt": "p", "url": url, "engine": "skyvern-2.0"})
        wait_for(lambda: named.finished_at and unnamed.finished_at)
    assert named.status == "terminated" and named.errors[0]["error_code"] == "question_unanswered"
    assert "notice period" in named.errors[0]["reasoning"]
    assert unnamed.status == "failed" and unnamed.errors == []


class StatusReceiver(LoopbackServer):
    """Answers each delivery with the next (status, headers) given; 200 when they run out."""

    def __init__(self, answers: list[tuple[int, dict]]) -> None:
        self.answers, self.times = list(answers), []
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                receiver.times.append(time.monotonic())
                code, headers = receiver.answers.pop(0) if receiver.answers else (200, {})
                self._send(code, {"ok": code == 200}, headers=headers)

        super().__init__(Handler)


@pytest.mark.parametrize(("answers", "attempts"), [
    ([(403, {}), (429, {}), (200, {})], 3),   # 403 and 429 are retried, as Skyvern does
    ([(408, {}), (425, {}), (502, {})], 3),   # three attempts in all, then it gives up
    ([(404, {})], 1),                          # any other 4xx is final
    ([(401, {})], 1),
])
def test_delivery_retries_what_skyvern_retries(answers, attempts):
    with StatusReceiver(answers) as receiver, SandboxSkyvern(KEY, delay=0.01, retry_backoff=0.01, allow_private_hosts=True) as sandbox:
        run = sandbox.accept({"prompt": "p", "url": url_with("confirmed"), "webhook_url": f"{receiver.origin}/h"})
        wait_for(lambda: run.webhook_attempts == attempts)
        time.sleep(0.2)
    assert len(receiver.times) == attempts


def test_delivery_honours_retry_after_up_to_30_seconds(monkeypatch):
    import jobraker.appliers.sandbox as sandbox_module

    slept: list[float] = []
    real_sleep, this_thread = sandbox_module.time.sleep, threading.current_thread()

    def sleep(seconds: float) -> None:  # the wait, not the clock, is what is measured; other threads still sleep
        slept.append(seconds) if threading.current_thread() is this_thread else real_sleep(seconds)

    monkeypatch.setattr(sandbox_module.time, "sleep", sleep)
    with StatusReceiver([(429, {"Retry-After": "2"}), (503, {"Retry-After": "3600"})]) as receiver, \
            SandboxSkyvern(KEY, delay=60, allow_private_hosts=True) as sandbox:
        run = sandbox.accept({"prompt": "p", "url": url_with("confirmed"), "webhook_url": f"{receiver.origin}/h"})
        answer = sandbox.deliver(run)
    assert answer is not None and answer.status_code == 200 and slept == [2.0, 30.0]


def test_files_upload_fetch_and_delete():
    with SandboxSkyvern(KEY, delay=60) as sandbox:
        http = httpx.Client(base_url=sandbox.base_url, headers={"x-api-key": KEY})
        assert http.post("/v1/upload_file", files={}, data={"other": "x"}).status_code == 422
        uploaded = http.post("/v1/upload_file", files={"file": ("resume.pdf", b"%PDF-1.7 resume", "application/pdf")}).json()
        assert set(uploaded) == {"s3_uri", "presigned_url", "file_id", "expires_at"}
        assert uploaded["s3_uri"].endswith("_resume.pdf") and uploaded["expires_at"] is None
        assert httpx.get(uploaded["presigned_url"]).content == b"%PDF-1.7 resume"
        assert httpx.delete(f"{sandbox.base_url}/v1/files/{uploaded['file_id']}").status_code == 403  # key needed
        assert http.delete(f"/v1/files/{uploaded['file_id']}").status_code == 204
        assert http.delete(f"/v1/files/{uploaded['file_id']}").json() == {"detail": f"File {uploaded['file_id']} not found"}
        assert httpx.get(uploaded["presigned_url"]).status_code == 404


def test_file_uploads_are_refused_as_skyverns_route_refuses_them():
    """FastAPI 0.136's validation of ``file: UploadFile`` and ``retention_days: int | None``, and
    Skyvern's own 10 MB limit (413) and retention range (1–365 days, 422)."""
    with SandboxSkyvern(KEY, delay=60) as sandbox:
        http = httpx.Client(base_url=sandbox.base_url, headers={"x-api-key": KEY})
        plain = http.post("/v1/upload_file", data={"file": "%PDF-1.7"}, files={"other": ("x", b"")})
        assert plain.status_code == 422 and plain.json()["detail"][0]["type"] == "value_error"
        pdf = {"file": ("cv.pdf", b"%PDF-1.7 resume", "application/pdf")}
        not_int = http.post("/v1/upload_file", files=pdf, data={"retention_days": "soon"})
        assert not_int.status_code == 422 and not_int.json()["detail"][0]["loc"] == ["body", "retention_days"]
        for days in ("0", "366"):
            out_of_range = http.post("/v1/upload_file", files=pdf, data={"retention_days": days})
            assert out_of_range.json() == {"detail": "retention_days must be between 1 and 365"}
        too_big = http.post("/v1/upload_file", files={"file": ("cv.pdf", b"x" * (10 * 1024 * 1024 + 1), "application/pdf")})
        assert too_big.status_code == 413 and too_big.json()["detail"].startswith("File size exceeds the maximum allowed size (10.0 MB)")
        kept = http.post("/v1/upload_file", files=pdf, data={"retention_days": "1"}).json()
        assert kept["expires_at"].endswith("Z") and kept["file_id"].startswith("file_")
        assert not sandbox.files.keys() - {kept["file_id"]}  # nothing refused was kept


def test_a_run_attaches_the_files_its_prompt_points_at_and_fails_on_a_missing_one():
    with SandboxSkyvern(KEY, delay=0.01, allow_private_hosts=True) as sandbox:
        http = httpx.Client(base_url=sandbox.base_url, headers={"x-api-key": KEY})
        url = url_with("confirmed")
        uploaded = http.post("/v1/upload_file", files={"file": ("cv.pdf", b"%PDF", "application/pdf")}).json()
        task = {"prompt": f"apply; upload the file at {uploaded['presigned_url']}", "url": url, "engine": "skyvern-2.0"}
        run = http.post("/v1/run/tasks", json=task).json()
        done = wait_for(lambda: (r := http.get(f"/v1/runs/{run['run_id']}").json())["status"] != "queued" and r)
        assert done["status"] == "completed" and "We received your CV (cv.pdf)" in done["output"]["confirmation"]
        http.delete(f"/v1/files/{uploaded['file_id']}")
        again = http.post("/v1/run/tasks", json=task).json()
        failed = wait_for(lambda: (r := http.get(f"/v1/runs/{again['run_id']}").json())["status"] != "queued" and r)
        assert failed["status"] == "failed" and "could not be downloaded" in failed["failure_reason"]


def test_the_asking_company_stops_for_its_question_until_the_prompt_answers_it():
    from jobraker.appliers.sandbox import outcome_of_request

    mapping = {"question_unanswered": "stop"}
    url = url_with("confirmed")
    assert outcome_of_request({"url": url, "title": "Jobraker: Dev at Sandco", "prompt": "apply"}) == "confirmed"
    asked = {"url": url, "title": "Jobraker: Dev at Quantex [sandbox]", "prompt": "apply", "error_code_mapping": mapping}
    assert outcome_of_request(asked) == "question_unanswered"
    answered = {**asked, "prompt": "apply; ⟦question: What is your notice period?⟧ → ⟦answer: One month⟧"}
    assert outcome_of_request(answered) == "confirmed"
    assert outcome_of_request({"url": url_with("question_unanswered"), "prompt": "notice period: 1 month"}) == "confirmed"
    assert outcome_of_request({"url": url_with("failed"), "title": "at Quantex", "prompt": "notice period"}) == "failed"


def test_a_webhook_can_be_replayed():
    with StatusReceiver([]) as receiver, SandboxSkyvern(KEY, delay=0.01, allow_private_hosts=True) as sandbox:
        http = httpx.Client(base_url=sandbox.base_url, headers={"x-api-key": KEY})
        run = sandbox.accept({"prompt": "p", "url": url_with("confirmed"), "webhook_url": f"{receiver.origin}/h"})
        wait_for(lambda: len(receiver.times) == 1)
        replay = http.post(f"/v1/runs/{run.run_id}/retry_webhook", json={"webhook_url": f"{receiver.origin}/other"}).json()
        assert replay["status_code"] == 200 and replay["target_webhook_url"].endswith("/other")
        assert json.loads(replay["payload"])["run_id"] == run.run_id and "run_request" not in json.loads(replay["payload"])
        assert len(receiver.times) == 2
        assert http.post("/v1/runs/tsk_nope/retry_webhook").status_code == 404


def test_429_and_403_can_be_provoked():
    from jobraker.appliers.sandbox import concurrency_limited, rate_limited

    with SandboxSkyvern(KEY, delay=60) as sandbox:
        http = httpx.Client(base_url=sandbox.base_url, headers={"x-api-key": KEY})
        task = {"prompt": "p", "url": "https://jobs.example.org/1"}
        sandbox.refuse_next += [rate_limited("5"), concurrency_limited()]
        limited = http.post("/v1/run/tasks", json=task)
        assert limited.status_code == 429 and limited.headers["retry-after"] == "5"
        assert limited.json()["detail"].startswith("Rate limit exceeded for organization")
        busy = http.post("/v1/run/tasks", json=task)
        assert busy.status_code == 429 and "retry-after" not in busy.headers and "Concurrency limit" in busy.json()["detail"]
        assert http.post("/v1/run/tasks", json=task).status_code == 200
        sandbox.revoke_key()
        assert http.post("/v1/run/tasks", json=task).json() == {"detail": "Invalid credentials"}
