"""Hostile input for every parser of outside data: resumes, Adzuna answers, Skyvern runs and
webhooks (with their signatures), and OpenAI-compatible embedding answers.

Each parser either returns what it promises or raises its own clear error; nothing else
escapes, the webhook never answers 5xx and never acts on an unsigned delivery. Providers'
answers come over real sockets from loopback servers that send whatever hypothesis makes.
``JOBRAKER_FUZZ_EXAMPLES`` raises the number of examples (CI's default is modest).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from rest_framework.test import APIClient

from jobraker.appliers.skyvern import (
    SkyvernApplier,
    SkyvernRejected,
    SkyvernUnknownOutcome,
    sign,
    signature_is_valid,
)
from jobraker.components import redis_client
from jobraker.embeddings.providers import DIMENSIONS, OpenAIProvider, UnusableEmbeddings
from jobraker.resumes.extract import (
    DOCX,
    PDF,
    TEXT,
    ExtractedResume,
    ResumeRejected,
    extract,
)
from jobraker.sources.adzuna_client import AdzunaClient, AdzunaError
from jobraker.sources.adzuna_models import AdzunaSearchResults
from jobraker.sources.quota import AdzunaQuota

from ..assistant_helpers import environment
from ..documents import docx_with_text, pdf_with_text
from ..fakes.loopback import LoopbackServer, QuietHandler

EXAMPLES = int(os.environ.get("JOBRAKER_FUZZ_EXAMPLES", "60"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)


# --- resumes ------------------------------------------------------------------------------

PDF_SAMPLE = pdf_with_text("Ada Lovelace, analyst")
DOCX_SAMPLE = docx_with_text("Ada Lovelace", "Analytical engines")


@st.composite
def damaged(draw: st.DrawFn, sample: bytes) -> bytes:
    """A real file with bytes flipped, cut short or spliced: the damage parsers meet."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    cut = draw(st.integers(len(data) // 4, len(data)))
    return bytes(data[:cut]) + draw(st.binary(max_size=64))


resume_bytes = st.one_of(
    st.binary(max_size=2048),
    st.binary(max_size=512).map(lambda tail: b"%PDF-1.4\n" + tail),
    st.binary(max_size=512).map(lambda tail: b"PK\x03\x04" + tail),
    st.text(max_size=300).map(str.encode),
    damaged(PDF_SAMPLE),
    damaged(DOCX_SAMPLE),
)


@fuzz
@given(resume_bytes)
def test_any_bytes_give_a_resume_or_a_clear_rejection(data: bytes) -> None:
    try:
        resume = extract(data)
    except ResumeRejected as rejected:
        assert str(rejected)
        return
    assert isinstance(resume, ExtractedResume)
    assert resume.content_type in {PDF, DOCX, TEXT}
    assert resume.text and resume.text == " ".join(resume.text.split()) and "\x00" not in resume.text


def test_the_undamaged_samples_are_read() -> None:
    assert "Ada Lovelace" in extract(PDF_SAMPLE).text
    assert extract(DOCX_SAMPLE).text == "Ada Lovelace Analytical engines"


# --- a loopback provider that answers whatever the test sets --------------------------------


class Scripted(LoopbackServer):
    """Answers every request with ``status``, ``body`` and ``content_type`` as last set."""

    def __init__(self) -> None:
        self.status, self.body, self.content_type = 200, b"{}", "application/json"
        fake = self

        class Handler(QuietHandler):
            def _answer(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(fake.status)
                self.send_header("Content-Type", fake.content_type)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            do_GET = do_POST = _answer

        super().__init__(Handler)

    def answer(self, body: bytes, status: int = 200, content_type: str = "application/json") -> None:
        self.status, self.body, self.content_type = status, body, content_type


@pytest.fixture(scope="module")
def provider() -> Iterator[Scripted]:
    with Scripted() as server:
        yield server


bodies = st.one_of(
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=200),
    st.just(b""),
)


# --- Adzuna ---------------------------------------------------------------------------------

adzuna_job = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(), st.text(max_size=12))},
    optional={
        "title": st.text(max_size=60), "description": st.text(max_size=200),
        "created": st.one_of(st.text(max_size=25), st.datetimes().map(lambda d: d.isoformat() + "Z")),
        "redirect_url": st.text(max_size=30), "company": st.fixed_dictionaries({}, optional={"display_name": json_values}),
        "location": st.fixed_dictionaries({}, optional={"display_name": st.text(max_size=20), "area": json_values}),
        "salary_min": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6)),
        "salary_max": st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
        "salary_is_predicted": st.one_of(st.sampled_from(["0", "1", 0, 1]), json_values),
        "contract_type": st.one_of(st.none(), st.sampled_from(["permanent", "contract", "x"])),
        "contract_time": json_values,
    },
)
adzuna_pages = st.one_of(
    json_values,
    st.fixed_dictionaries({"results": st.lists(adzuna_job, max_size=3)},
                          optional={"count": json_values, "mean": json_values}),
)


@fuzz
@given(adzuna_pages)
def test_adzuna_payloads_parse_or_are_refused_by_the_model(page: Any) -> None:
    try:
        results = AdzunaSearchResults.model_validate(page)
    except ValidationError:
        return
    for job in results.results:
        listing = job.as_listing("gb")
        assert listing["external_id"] == job.id and listing["title"] and listing["company"]
        assert "<" not in listing["title"] or ">" not in listing["title"].split("<", 1)[1]
        assert listing["contract_type"] in ("", "permanent", "contract")
        assert listing["contract_time"] in ("", "full_time", "part_time")


@fuzz
@given(body=st.one_of(bodies, adzuna_pages.map(lambda page: json.dumps(page).encode())))
def test_the_adzuna_client_returns_results_or_an_adzuna_error(provider: Scripted, body: bytes) -> None:
    provider.answer(body)
    quota = AdzunaQuota(redis_client(), prefix=f"test:quota:{uuid.uuid4().hex}")
    client = AdzunaClient("app-id", "app-key", quota,
                          base_url=provider.origin)
    try:
        results = client.search("gb", 1, what="analyst")
    except AdzunaError as error:
        assert str(error)
        return
    finally:
        client.close()
    assert isinstance(results, AdzunaSearchResults)


# --- Skyvern --------------------------------------------------------------------------------

skyvern_runs = st.fixed_dictionaries(
    {"run_id": json_values, "status": json_values},
    optional={"output": json_values, "failure_reason": json_values, "created_at": json_values},
)


@fuzz
@given(body=st.one_of(bodies, skyvern_runs.map(lambda run: json.dumps(run).encode())),
       status=st.sampled_from([200, 201, 400, 404, 422, 500, 503]))
def test_starting_a_skyvern_task_gives_a_run_id_or_a_clear_outcome(provider: Scripted, body: bytes, status: int) -> None:
    provider.answer(body, status)
    skyvern = SkyvernApplier(provider.origin, "sk-skyvern", timeout=5)
    try:
        run_id = skyvern.run_task({"url": "https://jobs.example.org/1"})
    except SkyvernUnknownOutcome:
        assert status < 400 or status >= 500  # unreadable 2xx or a 5xx: it may have started
        return
    except SkyvernRejected:
        assert 400 <= status < 500
        return
    assert status < 300 and isinstance(run_id, str) and run_id


@fuzz
@given(body=st.one_of(bodies, skyvern_runs.map(lambda run: json.dumps(run).encode())))
def test_reading_a_skyvern_run_gives_the_run_or_a_clear_outcome(provider: Scripted, body: bytes) -> None:
    provider.answer(body)
    skyvern = SkyvernApplier(provider.origin, "sk-skyvern", timeout=5)
    try:
        run = skyvern.get_run("run-1")
    except SkyvernUnknownOutcome as error:
        assert "unreadable" in str(error)
        return
    assert isinstance(run.run_id, str) and isinstance(run.status, str)


signatures = st.one_of(st.none(), st.text(max_size=80), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))


@fuzz
@given(body=st.binary(max_size=300), signature=signatures, key=st.text(min_size=1, max_size=40))
def test_the_signature_check_accepts_only_the_right_signature(body: bytes, signature: str | None, key: str) -> None:
    assert signature_is_valid(body, sign(body, key), key)
    assume(signature != sign(body, key))
    assert not signature_is_valid(body, signature, key)


@contextmanager
def skyvern_configured(key: str) -> Iterator[None]:
    with environment(SKYVERN_API_KEY=key):
        yield


WEBHOOK = "/api/v1/webhooks/skyvern"
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)  # HTTP headers are latin-1


@fuzz
@given(body=st.one_of(st.binary(max_size=300), skyvern_runs.map(lambda run: json.dumps(run).encode())),
       signature=st.one_of(st.none(), header_values))
def test_an_unsigned_webhook_is_refused_and_changes_nothing(jobraker, body: bytes, signature: str | None) -> None:  # type: ignore[no-untyped-def]
    key = "sk-skyvern-webhook"
    assume(signature != sign(body, key))
    headers = {} if signature is None else {"HTTP_X_SKYVERN_SIGNATURE": signature}
    before = jobraker.recorder.max_notification_id()
    with skyvern_configured(key):
        response = APIClient().generic("POST", WEBHOOK, body, content_type="application/json", **headers)
    assert response.status_code == 401, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert jobraker.recorder.max_notification_id() == before


@fuzz
@given(body=st.one_of(st.binary(max_size=300), skyvern_runs.map(lambda run: json.dumps(run).encode())))
def test_a_signed_webhook_with_any_body_never_breaks_the_server(jobraker, body: bytes) -> None:  # type: ignore[no-untyped-def]
    key = "sk-skyvern-webhook"
    with skyvern_configured(key):
        response = APIClient().generic("POST", WEBHOOK, body, content_type="application/json",
                                       HTTP_X_SKYVERN_SIGNATURE=sign(body, key))
    assert response.status_code in (200, 400, 415), response.content
    if response.status_code == 200:
        assert response.json()["outcome"] == "unknown run"  # no run of ours has a fuzzed id
    else:
        assert response["Content-Type"].startswith("application/problem+json")


# --- OpenAI-compatible embeddings -------------------------------------------------------------


@st.composite
def embedding_answers(draw: st.DrawFn, inputs: int) -> bytes:
    """Mostly well-formed answers with the wrong count, order or size of vectors, and junk."""
    count = draw(st.sampled_from([inputs, inputs, 0, inputs - 1, inputs + 1]))
    size = draw(st.sampled_from([DIMENSIONS, DIMENSIONS, DIMENSIONS - 1, 3]))
    indexes = draw(st.permutations(range(count)))
    data = [{"object": "embedding", "index": i, "embedding": [0.5] * size} for i in indexes]
    answer = {"object": "list", "data": data, "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}
    return draw(st.one_of(st.just(json.dumps(answer).encode()), bodies))


@fuzz
@given(data=st.data(), inputs=st.integers(1, 3))
def test_embedding_answers_give_one_vector_per_text_or_a_clear_error(provider: Scripted, data: st.DataObject,
                                                                     inputs: int) -> None:
    provider.answer(data.draw(embedding_answers(inputs)))
    embeddings = OpenAIProvider(base_url=provider.origin + "/v1", api_key="sk-embed", max_retries=0)
    try:
        vectors = embeddings.embed_passages([f"text {i}" for i in range(inputs)])
    except UnusableEmbeddings as error:
        assert str(error)
        return
    assert len(vectors) == inputs and all(len(vector) == DIMENSIONS for vector in vectors)


def test_a_provider_that_answers_nothing_useful_is_named(provider: Scripted) -> None:
    provider.answer(b"<html>proxy error</html>", content_type="text/html")
    with pytest.raises(UnusableEmbeddings, match="embeddings"):
        OpenAIProvider(base_url=provider.origin + "/v1", api_key="sk-embed", max_retries=0).embed_query("hello")
