"""Logs never carry personal data or secrets, at any level (issue 12).

A full flow runs with logging at DEBUG — registration, profile, preferences, a resume, an
Adzuna ingestion from the loopback server, a match shortlisted and moved (notifications,
e-mail to the outbox), a note, a Skyvern task and OpenAI embeddings with their keys — and
everything every logger wrote is searched for the candidate's values and every configured
secret. Captured twice: raw (what the libraries and our code emit) and as the production
formatter writes it (which blanks secrets and addresses as a last guard); both must be clean.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import uuid

import pytest
import structlog
from django.core.mail import EmailMessage
from django.test import override_settings

from jobraker.appliers.skyvern import SkyvernApplier
from jobraker.components import redis_client
from jobraker.config import get_settings
from jobraker.delivery.models import EmailDelivery
from jobraker.delivery.outbox import OutboxEmailBackend, subject_folder
from jobraker.domain.application import Actor
from jobraker.embeddings.providers import OpenAIProvider
from jobraker.logs import configure_logging, json_formatter, redact, register_secrets
from jobraker.sources.adzuna_client import AdzunaClient
from jobraker.sources.ingest import Ingestion, searches_of
from jobraker.sources.quota import AdzunaQuota

from ..api_helpers import caught_up, signed_in
from ..conftest import relay_from_now
from ..documents import docx_with_text
from ..fakes.adzuna_server import FakeAdzuna, listing
from ..fakes.openai_server import FakeOpenAI
from ..fakes.skyvern_server import FakeSkyvern

OUTBOX = "jobraker.delivery.outbox.OutboxEmailBackend"


def _secrets() -> dict[str, str]:
    tag = uuid.uuid4().hex
    return {"adzuna": f"adzkey{tag}", "skyvern": f"skyvkey{tag}", "openai": f"sk-openai{tag}"}


def _values() -> dict[str, str]:
    tag = uuid.uuid4().hex[:6]
    return {
        "name": f"Philippa Quandrell{tag}", "headline": f"Chief Gloop Officer {tag}",
        "skill": f"Snarfling{tag}", "city": f"Wumpton{tag}", "keyword": f"Kerfuffle{tag}",
        "avoid": f"Borkwork{tag}", "company": f"Plonkco{tag}", "resume": f"Captained the Zorgon{tag} fleet",
        "note": f"Recruiter Trumbleby{tag} called",
    }


class Capture:
    """Two handlers on the root logger at DEBUG: raw JSON and the production formatter."""

    def __init__(self) -> None:
        self.raw, self.written = io.StringIO(), io.StringIO()
        raw = structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                        structlog.processors.format_exc_info, structlog.processors.JSONRenderer()],
            foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name],
        )
        self.handlers = [logging.StreamHandler(self.raw), logging.StreamHandler(self.written)]
        self.handlers[0].setFormatter(raw)
        self.handlers[1].setFormatter(json_formatter())

    def __enter__(self) -> Capture:
        configure_logging("DEBUG")  # what JOBRAKER_LOG_LEVEL=DEBUG does
        for handler in self.handlers:
            logging.getLogger().addHandler(handler)
        return self

    def __exit__(self, *exc: object) -> None:
        for handler in self.handlers:
            logging.getLogger().removeHandler(handler)
        configure_logging(get_settings().log_level)

    def found(self, needles: dict[str, str]) -> dict[str, list[str]]:
        outputs = {"raw": self.raw.getvalue().lower(), "written": self.written.getvalue().lower()}
        return {where: [name for name, value in needles.items() if value.lower() in text] for where, text in outputs.items()}


@pytest.fixture
def configured_secrets():
    secrets = _secrets()
    settings = get_settings()
    register_secrets([*secrets.values(), *settings.secret_values()])
    master = settings.master_key.get_secret_value()
    return {**secrets, "webhook": secrets["skyvern"], "master_key": master,
            "secret_key": settings.secret_key.get_secret_value()}


def _flow(jobraker, values: dict[str, str], secrets: dict[str, str], dramatiq_worker) -> str:
    client, created, email = signed_in(name=values["name"])
    r = client.patch("/api/v1/candidates/me/profile", {
        "headline": values["headline"], "skills": [values["skill"], "Python"], "locations": [values["city"], "London"],
    }, format="json")
    assert r.status_code == 200, r.content
    r = client.patch("/api/v1/candidates/me/preferences", {
        "keywords": [values["keyword"]], "avoid_keywords": [values["avoid"]],
        "excluded_companies": [values["company"]], "countries": ["gb"],
    }, format="json")
    assert r.status_code == 200, r.content
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post("/api/v1/candidates/me/resume",
                    {"file": SimpleUploadedFile("cv.docx", docx_with_text(values["resume"], values["skill"]))}, format="multipart")
    assert r.status_code in (200, 201), r.content
    candidate_id = uuid.UUID(created["id"])

    # Ingestion of the candidate's own search from the loopback Adzuna, with a real app_key.
    base = 700_000_000 + uuid.uuid4().int % 90_000_000  # ids of its own: other tests use listing(n)'s
    with FakeAdzuna([listing(n, id=str(base + n), title=f"{values['skill']} engineer {n}") for n in range(1, 4)],
                    app_key=secrets["adzuna"]) as adzuna:
        quota = AdzunaQuota(redis_client(), prefix=f"test:quota:{uuid.uuid4().hex}")
        adzuna_client = AdzunaClient("app-id", secrets["adzuna"], quota, base_url=adzuna.base_url)
        [search] = searches_of(jobraker.get_candidate(candidate_id))
        report = Ingestion(jobraker, adzuna_client, redis_client()).run(search)
        assert report.calls >= 1 and adzuna.requests  # the request, with app_key, really went out

    # A match shortlisted and moved: notifications, e-mailed by the worker into the outbox.
    matches = client.get("/api/v1/candidates/me/matches", **caught_up(jobraker.recorder.max_notification_id())).json()["results"]
    assert matches, "the flow needs at least one match"
    r = client.post(f"/api/v1/candidates/me/matches/{matches[0]['job']['id']}/shortlist")
    assert r.status_code == 201, r.content
    application_id = r.json()["id"]
    r = client.post(f"/api/v1/applications/{application_id}/notes", {"text": values["note"]}, format="json")
    assert r.status_code in (200, 201), r.content
    # Jobraker queues it (system): the relay sends it for submission (dry run: no Skyvern key is
    # configured) and notifies; the notification is e-mailed, into the outbox.
    relay = relay_from_now(jobraker)
    jobraker.move_application(uuid.UUID(application_id), "queue", by=Actor.SYSTEM)
    for _ in range(3):  # queued → submitted → notified → e-mailed: each step is a relay reaction
        relay.catch_up()
        dramatiq_worker.join("apply", timeout=30_000)
        dramatiq_worker.join("default", timeout=30_000)
    assert EmailDelivery.objects.filter(candidate_id=candidate_id, status="sent").exists()
    assert list(subject_folder(candidate_id).glob("*.eml"))

    # The processors, with their keys: Skyvern gets the candidate's payload, OpenAI their resume.
    with FakeSkyvern(api_key=secrets["skyvern"]) as skyvern:
        SkyvernApplier(skyvern.base_url, secrets["skyvern"]).run_task(
            {"url": "https://example.org/job", "prompt": f"Apply as {values['name']}",
             "navigation_payload": {"name": values["name"], "email": email}}
        )
    with FakeOpenAI() as openai_server:
        OpenAIProvider(openai_server.base_url, secrets["openai"]).embed_passages([values["resume"], values["headline"]])
    return email


def test_a_full_flow_at_debug_logs_no_personal_value_and_no_secret(
    jobraker, live_projector, dramatiq_worker, configured_secrets, tmp_path
):
    values = _values()
    with override_settings(EMAIL_BACKEND=OUTBOX), Capture() as capture:
        logging.getLogger("jobraker.test").debug("debug-control %s", values["skill"])  # positive control
        email = _flow(jobraker, values, configured_secrets, dramatiq_worker)
        dramatiq_worker.join("default", timeout=30_000)
    control = capture.found({"skill": values["skill"]})
    assert control == {"raw": ["skill"], "written": ["skill"]}, "the capture must see DEBUG lines"
    raw = capture.raw.getvalue()
    assert '"request"' in raw and "adzuna_ingested" in raw  # our own lines were captured too

    # Every occurrence of the control line carries the skill: drop it before the real search.
    for handler_output in (capture.raw, capture.written):
        text = handler_output.getvalue().replace(f"debug-control {values['skill']}", "debug-control")
        handler_output.seek(0), handler_output.truncate(), handler_output.write(text)
    assert capture.found({**values, "email": email}) == {"raw": [], "written": []}
    assert capture.found(configured_secrets) == {"raw": [], "written": []}


def test_the_production_formatter_blanks_secrets_and_addresses_as_a_last_guard(configured_secrets):
    line = f"GET /jobs?app_key={configured_secrets['adzuna']}&what=x to someone@example.org"
    assert redact(line) == "GET /jobs?app_key=[secret]&what=x to [email]"
    assert configured_secrets["master_key"] not in redact(f"key={configured_secrets['master_key']}")


def test_outbox_mail_is_a_private_file_per_subject_and_the_log_names_only_its_id(tmp_path):
    candidate_id = uuid.uuid4()
    message = EmailMessage("Jobraker: hello", "Dear Philippa", "noreply@jobraker.test", ["philippa@example.org"],
                           headers={"X-Jobraker-Subject": str(candidate_id)})
    with Capture() as capture:
        assert OutboxEmailBackend().send_messages([message]) == 1
    [written] = list(subject_folder(candidate_id).glob("*.eml"))
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(subject_folder(candidate_id)).st_mode) == 0o700
    assert b"Dear Philippa" in written.read_bytes() and b"philippa@example.org" in written.read_bytes()
    assert written.stem in capture.raw.getvalue()
    assert capture.found({"address": "philippa@example.org", "body": "Dear Philippa"}) == {"raw": [], "written": []}


def test_a_request_with_a_capability_token_in_its_path_logs_the_route_not_the_token():
    from rest_framework.test import APIClient

    from jobraker.delivery.alerts import unsubscribe_token

    token = unsubscribe_token(uuid.uuid4())
    with Capture() as capture:
        assert APIClient().get(f"/api/v1/alerts/unsubscribe/{token}").status_code == 404
        assert APIClient().get(f"/api/v1/jobs/{uuid.uuid4()}").status_code in (401, 404)  # ordinary paths stay
    assert token not in capture.raw.getvalue()
    assert "/api/v1/alerts/unsubscribe/<str:token>" in capture.raw.getvalue()
    assert "/api/v1/jobs/" in capture.raw.getvalue()
